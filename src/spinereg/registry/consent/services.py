"""Writes to consent: the clinic's default BMAC consent documents, and a patient's electronic
signature (typed name, explicit agreement, time, the document's version and SHA-256), each
validated, saved and audited in one transaction.

The default text (documents/bmac-<version>.<language>.txt, first line the title) is spinereg's
own plain wording, not legal advice: it states the investigational status, the mixed evidence,
the limited long-term data, the harvest and injection risks and the alternatives (DOMAIN.md
§6.1, §7). A clinic publishes its own version as a new row; a signature keeps the hash of the
text it agreed to, so a later edit can never change what was signed (21 CFR 11.70)."""

import unicodedata
from datetime import date, datetime
from importlib import resources

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spinereg.registry.access import require_clinical_write
from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import audit_entry_create, record_create
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.consent.selectors import (
    clinic_local_date,
    consent_documents_current,
    consent_signature_current,
)
from spinereg.registry.patients.models import Patient

DEFAULT_VERSION = "1.0"
DEFAULT_LANGUAGES = ("en", "es")
SIGNATURE_MEANING = "consent"  # 21 CFR 11.50: the meaning of the signature


def default_document_text(language: str, version: str = DEFAULT_VERSION) -> tuple[str, str]:
    """(title, body) of the shipped consent text."""
    text = (
        resources.files("spinereg.registry.consent")
        .joinpath("documents", f"bmac-{version}.{language}.txt")
        .read_text("utf-8")
    )
    title, _, body = text.partition("\n")
    return title.strip(), body.strip() + "\n"


def consent_defaults_ensure(
    *, clinic: Clinic, effective_date: date, actor: User | None = None
) -> list[ConsentDocument]:
    """Give the clinic the default documents (version 1.0, English and Spanish) unless it
    already has that version in that language. Run by the data migration for existing clinics
    and by `spinereg demo`; safe to run again."""
    documents = []
    with transaction.atomic():
        for language in DEFAULT_LANGUAGES:
            existing = ConsentDocument.objects.filter(
                clinic=clinic, version=DEFAULT_VERSION, language=language
            ).first()
            if existing is not None:
                documents.append(existing)
                continue
            title, body = default_document_text(language)
            document = ConsentDocument(
                clinic=clinic,
                version=DEFAULT_VERSION,
                language=language,
                title=title,
                body=body,
                sha256=ConsentDocument.hash_body(body),
                effective_date=effective_date,
            )
            record_create(document, actor=actor, reason="default consent document")
            documents.append(document)
    return documents


def _folded(text: str) -> str:
    """Case- and accent-insensitive, single-spaced: "José  Núñez" matches "jose nunez"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def consent_sign(
    *,
    patient: Patient,
    document: ConsentDocument,
    typed_name: str,
    agreed: bool,
    actor: User | None,
    now: datetime | None = None,
    reason: str = "",
) -> ConsentSignature:
    """Record the patient's electronic signature of `document`. The patient signs from their
    own signed link (actor None) or on a clinic device with staff present (actor = the staff
    user, who must hold a clinical role in the patient's clinic). Refused unless the document
    is the clinic's current one, agreement is explicit and the typed name contains the family
    name on record."""
    if actor is not None:
        require_clinical_write(actor, patient.clinic_id)
    now = now or timezone.now()
    today = clinic_local_date(now, patient.clinic.timezone)
    errors: dict[str, ValidationError] = {}
    current_ids = {doc.pk for doc in consent_documents_current(patient.clinic_id, today)}
    if document.clinic_id != patient.clinic_id or document.pk not in current_ids:
        errors["document"] = ValidationError(
            f"Version {document.version} is not the clinic's current consent document.",
            code="current_document",
        )
    if document.sha256 != ConsentDocument.hash_body(document.body):
        errors["document"] = ValidationError(
            "The document's text does not match its stored hash.", code="document_integrity"
        )
    if agreed is not True:
        errors["agreed"] = ValidationError(
            "Tick the box to agree; without explicit agreement nothing is signed.",
            code="agreement_required",
        )
    name = " ".join(typed_name.split())
    family_name = getattr(getattr(patient, "identity", None), "family_name", "")
    if not name:
        errors["typed_name"] = ValidationError("Type your full name.", code="required")
    elif len(name) > 200:
        errors["typed_name"] = ValidationError(
            f"{len(name)} characters exceed the maximum of 200.", code="max_length"
        )
    elif family_name and _folded(family_name) not in _folded(name):
        errors["typed_name"] = ValidationError(
            "Type your full name as given to the clinic, including your family name.",
            code="matches_record",
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        signature = record_create(
            ConsentSignature(
                patient=patient,
                document=document,
                typed_name=name,
                agreed=True,
                signed_at=now,
                document_sha256=document.sha256,
            ),
            actor=actor,
            reason=reason or ("patient e-signature" if actor is None else "signed in clinic"),
        )
        audit_entry_create(
            actor=actor,
            action=AuditAction.EVENT,
            model="consent.consentsignature.signature",
            object_id=signature.pk,
            patient=patient,
            after={
                "printed_name": name,
                "signed_at": now.isoformat(),
                "meaning": SIGNATURE_MEANING,
                "document_version": document.version,
                "document_language": document.language,
                "document_sha256": document.sha256,
            },
            reason=reason,
        )
    return signature


def consent_require_current(patient: Patient, on_date: date) -> None:
    """Refuse, on `index_date`, a BMAC procedure day without a signed current consent."""
    if consent_signature_current(patient, on_date) is None:
        raise ValidationError(
            {
                "index_date": ValidationError(
                    f"A BMAC procedure on {on_date.isoformat()} needs the patient's signed "
                    "consent to the clinic's current consent document, signed on or before "
                    "that day.",
                    code="consent_required",
                )
            }
        )
