"""Chain of identity decisions and product codes."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from spinereg.core.product.identity import (
    CROCKFORD_ALPHABET,
    Refusal,
    ScannedProduct,
    identity_decision,
    new_product_code,
    normalise_product_code,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
OURS = ScannedProduct(
    code="BMAC-7K2M9Q4XZP",
    patient_id=11,
    procedure_id=101,
    expires_at=AT + timedelta(hours=2),
    used_at=None,
)


def _decide(wristband="MRN000123", product=OURS, at=AT):
    return identity_decision(
        patient_id=11,
        procedure_id=101,
        record_number="MRN000123",
        wristband=wristband,
        product=product,
        at=at,
    )


def test_the_right_wristband_and_label_are_accepted():
    decision = _decide(wristband=" mrn000123 ")
    assert decision.accepted
    assert decision.refusal is None


@pytest.mark.parametrize(
    ("kwargs", "refusal"),
    [
        ({"wristband": "MRN000999"}, Refusal.WRISTBAND_MISMATCH),
        ({"product": None}, Refusal.PRODUCT_UNKNOWN),
        (
            {"product": ScannedProduct("BMAC-1", 12, 102, AT + timedelta(hours=1), None)},
            Refusal.PRODUCT_OTHER_PATIENT,
        ),
        (
            {"product": ScannedProduct("BMAC-2", 11, 100, AT + timedelta(hours=1), None)},
            Refusal.PRODUCT_OTHER_PROCEDURE,
        ),
        (
            {"product": ScannedProduct("BMAC-3", 11, 101, AT + timedelta(hours=1), AT)},
            Refusal.PRODUCT_USED,
        ),
        ({"at": AT + timedelta(hours=2)}, Refusal.PRODUCT_EXPIRED),  # expiry is exclusive
    ],
)
def test_each_mismatch_is_refused_with_its_reason(kwargs, refusal):
    decision = _decide(**kwargs)
    assert not decision.accepted
    assert decision.refusal is refusal


def test_a_wrong_patient_on_the_table_is_reported_before_anything_about_the_product():
    decision = _decide(wristband="MRN000999", product=None)
    assert decision.refusal is Refusal.WRISTBAND_MISMATCH


def test_product_codes_are_random_crockford_base32_after_the_prefix():
    codes = {new_product_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(rf"BMAC-[{CROCKFORD_ALPHABET}]{{10}}", code)


def test_a_typed_code_is_read_back_the_crockford_way():
    assert normalise_product_code(" bmac-7k2m 9q4x-zp ") == "BMAC-7K2M9Q4XZP"
    assert normalise_product_code("BMAC-OIL0000000") == "BMAC-0110000000"
    assert normalise_product_code("unknown") == "UNKNOWN"
