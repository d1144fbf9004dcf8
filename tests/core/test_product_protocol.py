"""Protocols are data: acceptance ranges are checked when read, so a bad range never reaches QC."""

import pytest

from spinereg.core.errors import RuleViolation
from spinereg.core.product.protocol import (
    AcceptanceRule,
    example_protocol,
    parse_acceptance_rules,
    protocol_from_mapping,
)


def _violation(data) -> RuleViolation:
    with pytest.raises(RuleViolation) as raised:
        parse_acceptance_rules(data)
    return raised.value


def test_ranges_are_read_from_plain_data():
    rules = parse_acceptance_rules(
        [
            {"quantity": "concentrate.viability_percent", "minimum": 90},
            {"quantity": "timing.minutes_harvest_to_injection", "maximum": 120},
            {"quantity": "harvest.aspirate_volume_ml", "minimum": 50, "maximum": 70},
        ]
    )
    assert rules == (
        AcceptanceRule("concentrate.viability_percent", 90.0, None),
        AcceptanceRule("timing.minutes_harvest_to_injection", None, 120.0),
        AcceptanceRule("harvest.aspirate_volume_ml", 50.0, 70.0),
    )
    assert [rule.describe() for rule in rules] == ["≥ 90 %", "≤ 120 min", "50–70 mL"]


def test_counts_are_described_in_the_unit_staff_type():
    rule = AcceptanceRule("concentrate.tnc_per_ml", minimum=50e6)
    assert rule.describe() == "≥ 50 ×10⁶ cells/mL"
    assert AcceptanceRule("concentrate.cfu_f_per_ml", minimum=2000).describe() == (
        "≥ 2000 colonies/mL"
    )


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ("viability ≥ 90", "acceptance_rules", "list"),
        ([42], "acceptance_rules.0", "object"),
        ([{"quantity": "concentrate.magic"}], "acceptance_rules.0.quantity", "known_quantity"),
        ([{"quantity": "concentrate.tnc_per_ml"}], "acceptance_rules.0", "bound_required"),
        (
            [{"quantity": "concentrate.tnc_per_ml", "minimum": "many"}],
            "acceptance_rules.0.minimum",
            "number",
        ),
        (
            [{"quantity": "harvest.aspirate_volume_ml", "minimum": 70, "maximum": 50}],
            "acceptance_rules.0.maximum",
            "minimum_not_above_maximum",
        ),
        (
            [{"quantity": "concentrate.viability_percent", "minimum": 101}],
            "acceptance_rules.0.minimum",
            "physical_range",
        ),
        (
            [{"quantity": "concentrate.tnc_per_ml", "minimum": -1}],
            "acceptance_rules.0.minimum",
            "physical_range",
        ),
        (
            [
                {"quantity": "concentrate.tnc_per_ml", "minimum": 1},
                {"quantity": "concentrate.tnc_per_ml", "maximum": 9},
            ],
            "acceptance_rules.1.quantity",
            "one_range_per_quantity",
        ),
        (
            [{"quantity": "concentrate.tnc_per_ml", "minimum": 1, "unit": "cells"}],
            "acceptance_rules.0.unit",
            "known_key",
        ),
    ],
)
def test_a_bad_range_names_its_place_and_rule(data, field, rule):
    violation = _violation(data)
    assert (violation.field, violation.rule) == (field, rule)


def test_the_example_protocol_is_valid_data():
    protocol = example_protocol()
    assert protocol.shelf_life_minutes == 240
    assert protocol.conformance["processing.system"] == "SmartPrep2"
    assert AcceptanceRule("concentrate.cfu_f_per_ml", 2000.0, None) in protocol.acceptance


def test_a_protocol_mapping_with_a_wrong_type_is_refused():
    with pytest.raises(RuleViolation) as raised:
        protocol_from_mapping({"name": "x", "version": 1, "shelf_life_minutes": 0})
    assert (raised.value.field, raised.value.rule) == ("shelf_life_minutes", "positive_whole")
    with pytest.raises(RuleViolation) as raised:
        protocol_from_mapping(
            {"name": "x", "version": 1, "shelf_life_minutes": 60, "g_force": "fast"}
        )
    assert (raised.value.field, raised.value.rule) == ("g_force", "number")
    with pytest.raises(RuleViolation) as raised:
        protocol_from_mapping({"name": "x", "version": 1, "shelf_life_minutes": 60, "speed": 1})
    assert (raised.value.field, raised.value.rule) == ("speed", "known_field")
