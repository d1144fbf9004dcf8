"""Chain of identity: product codes, and the decision at the bedside whether a scanned
wristband and product label may go together.

A product code is "BMAC-" and ten random Crockford base32 characters (50 bits from `secrets`):
unique in practice, not guessable from patient data, and typeable, because Crockford's alphabet
leaves out I, L, O and U and reads them back as 1, 1, 0 (Crockford, "Base 32", 2002)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

PRODUCT_CODE_PREFIX = "BMAC-"
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PRODUCT_CODE_LENGTH = 10
_TYPED_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_product_code(choose: Callable[[str], str] = secrets.choice) -> str:
    return PRODUCT_CODE_PREFIX + "".join(
        choose(CROCKFORD_ALPHABET) for _ in range(PRODUCT_CODE_LENGTH)
    )


def normalise_product_code(text: str) -> str:
    """A scanned or typed code in its stored form: trimmed, upper case, spaces and extra
    hyphens dropped, and Crockford's look-alikes mapped in the random part."""
    compact = "".join(text.split()).upper()
    if compact.startswith(PRODUCT_CODE_PREFIX):
        random_part = compact[len(PRODUCT_CODE_PREFIX) :].replace("-", "")
        return PRODUCT_CODE_PREFIX + random_part.translate(_TYPED_ALIASES)
    return compact


def normalise_wristband(text: str) -> str:
    """A scanned or typed record number: trimmed, inner spaces dropped, upper case."""
    return "".join(text.split()).upper()


class Refusal(StrEnum):
    """Why a wristband and a label may not go together. Each refusal is a safety event."""

    WRISTBAND_MISMATCH = "wristband_mismatch"
    PRODUCT_UNKNOWN = "product_unknown"
    PRODUCT_OTHER_PATIENT = "product_other_patient"
    PRODUCT_OTHER_PROCEDURE = "product_other_procedure"
    PRODUCT_USED = "product_used"
    PRODUCT_EXPIRED = "product_expired"


REFUSAL_LABELS: dict[Refusal, str] = {
    Refusal.WRISTBAND_MISMATCH: "Wristband of another patient",
    Refusal.PRODUCT_UNKNOWN: "Unknown product label",
    Refusal.PRODUCT_OTHER_PATIENT: "Product of another patient",
    Refusal.PRODUCT_OTHER_PROCEDURE: "Product of another procedure of this patient",
    Refusal.PRODUCT_USED: "Product already used",
    Refusal.PRODUCT_EXPIRED: "Product expired",
}


@dataclass(frozen=True, slots=True)
class ScannedProduct:
    """What the registry knows about the product whose code was scanned."""

    code: str
    patient_id: int  # the registry's id of the patient it was made from
    procedure_id: int  # the episode it was made in
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class IdentityDecision:
    accepted: bool
    refusal: Refusal | None
    message: str


def identity_decision(
    *,
    patient_id: int,
    procedure_id: int,
    record_number: str,
    wristband: str,
    product: ScannedProduct | None,
    at: datetime,
) -> IdentityDecision:
    """May the product be given to the patient on the table?

    `patient_id`, `procedure_id` and `record_number` identify the procedure's patient (the
    record number is what the wristband carries); `wristband` is what was scanned from the
    patient, `product` the product found for the scanned label (None: no such code), `at` the
    time of the check. The wristband is checked first: a wrong patient on the table is the
    graver error, and every later check assumes the right patient. Products are compared by
    registry id, never by record number, which is unique only within a clinic."""
    if normalise_wristband(wristband) != normalise_wristband(record_number):
        return IdentityDecision(
            False,
            Refusal.WRISTBAND_MISMATCH,
            "The wristband does not belong to the patient of this procedure.",
        )
    if product is None:
        return IdentityDecision(False, Refusal.PRODUCT_UNKNOWN, "No product has this label code.")
    if product.patient_id != patient_id:
        return IdentityDecision(
            False,
            Refusal.PRODUCT_OTHER_PATIENT,
            "This product belongs to another patient. Do not inject it.",
        )
    if product.procedure_id != procedure_id:
        return IdentityDecision(
            False,
            Refusal.PRODUCT_OTHER_PROCEDURE,
            "This product was made in another procedure of this patient.",
        )
    if product.used_at is not None:
        return IdentityDecision(
            False,
            Refusal.PRODUCT_USED,
            f"This product was already used at {product.used_at.isoformat()}.",
        )
    if at >= product.expires_at:
        return IdentityDecision(
            False,
            Refusal.PRODUCT_EXPIRED,
            f"This product expired at {product.expires_at.isoformat()}.",
        )
    return IdentityDecision(True, None, "Wristband and label match; the product may be used.")
