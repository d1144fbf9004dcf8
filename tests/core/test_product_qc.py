"""Each QC rule: a value inside its range passes (bounds included), outside it deviates with
the rule and the value, and a value not measured is reported as such; named process
parameters must match the protocol."""

import pytest

from spinereg.core.product.protocol import AcceptanceRule, ProtocolSpec
from spinereg.core.product.qc import QcStatus, qc_evaluate


def _protocol(*rules: AcceptanceRule, **process) -> ProtocolSpec:
    return ProtocolSpec(name="Test", version=3, shelf_life_minutes=240, acceptance=rules, **process)


def _only(protocol, observed):
    report = qc_evaluate(protocol, observed)
    (result,) = report.results
    return result


VIABILITY = AcceptanceRule("concentrate.viability_percent", minimum=90.0)
TNC = AcceptanceRule("concentrate.tnc_per_ml", minimum=50e6)
TIME = AcceptanceRule("timing.minutes_harvest_to_injection", maximum=120.0)
VOLUME = AcceptanceRule("harvest.aspirate_volume_ml", minimum=50.0, maximum=70.0)


@pytest.mark.parametrize(
    ("rule", "value", "status"),
    [
        (VIABILITY, 95.0, QcStatus.PASS),
        (VIABILITY, 90.0, QcStatus.PASS),  # the bound itself is accepted
        (VIABILITY, 89.9, QcStatus.DEVIATION),
        (TNC, 121e6, QcStatus.PASS),
        (TNC, 49.9e6, QcStatus.DEVIATION),
        (TIME, 120.0, QcStatus.PASS),
        (TIME, 121.0, QcStatus.DEVIATION),
        (VOLUME, 50.0, QcStatus.PASS),
        (VOLUME, 70.0, QcStatus.PASS),
        (VOLUME, 49.0, QcStatus.DEVIATION),
        (VOLUME, 71.0, QcStatus.DEVIATION),
        (VIABILITY, None, QcStatus.NOT_MEASURED),
        (TIME, None, QcStatus.NOT_MEASURED),
    ],
)
def test_each_range_rule_gives_pass_deviation_or_not_measured(rule, value, status):
    result = _only(_protocol(rule), {rule.quantity: value})
    assert result.status is status
    assert result.observed == value
    assert result.quantity == rule.quantity


def test_a_deviation_below_a_minimum_carries_the_rule_and_the_value():
    result = _only(_protocol(VIABILITY), {"concentrate.viability_percent": 86.5})
    assert result.rule == "≥ 90 %"
    assert (result.minimum, result.maximum, result.observed) == (90.0, None, 86.5)
    assert result.message == "86.5 % is below the protocol's minimum of 90 %"


def test_a_deviation_above_a_maximum_carries_the_rule_and_the_value():
    result = _only(_protocol(TIME), {"timing.minutes_harvest_to_injection": 135.0})
    assert result.message == "135 min exceeds the protocol's maximum of 120 min"
    assert result.unit == "min"


def test_large_counts_are_shown_in_scientific_notation():
    result = _only(_protocol(TNC), {"concentrate.tnc_per_ml": 42.5e6})
    assert (
        result.message == "42.5 ×10⁶ cells/mL is below the protocol's minimum of 50 ×10⁶ cells/mL"
    )


def test_a_quantity_missing_from_the_observation_is_not_measured():
    result = _only(_protocol(TNC), {})
    assert result.status is QcStatus.NOT_MEASURED
    assert result.message == "not measured"


def test_the_processing_system_must_be_the_protocol_s():
    protocol = _protocol(processing_system="SmartPrep2")
    assert _only(protocol, {"processing.system": "smartprep2 "}).status is QcStatus.PASS
    other = _only(protocol, {"processing.system": "BioCUE"})
    assert other.status is QcStatus.DEVIATION
    assert other.message == "BioCUE differs from the protocol's SmartPrep2"
    assert _only(protocol, {"processing.system": None}).status is QcStatus.NOT_MEASURED


@pytest.mark.parametrize(
    ("process", "code", "good", "bad"),
    [
        (
            {"harvest_site": "posterior_iliac_crest"},
            "harvest.site",
            "posterior_iliac_crest",
            "anterior_iliac_crest",
        ),
        ({"harvest_side": "bilateral"}, "harvest.side", "bilateral", "left"),
        ({"anticoagulant": "ACD-A"}, "harvest.anticoagulant", "acd-a", "heparin"),
    ],
)
def test_each_named_harvest_parameter_is_checked(process, code, good, bad):
    protocol = _protocol(**process)
    assert _only(protocol, {code: good}).status is QcStatus.PASS
    assert _only(protocol, {code: bad}).status is QcStatus.DEVIATION


def test_an_unset_protocol_parameter_is_not_checked():
    report = qc_evaluate(_protocol(harvest_side=""), {"harvest.side": "left"})
    assert report.results == ()


def test_the_report_lists_every_rule_and_its_deviations():
    protocol = _protocol(VIABILITY, TNC, TIME, processing_system="SmartPrep2")
    report = qc_evaluate(
        protocol,
        {
            "processing.system": "SmartPrep2",
            "concentrate.viability_percent": 88.0,
            "concentrate.tnc_per_ml": 60e6,
        },
    )
    assert [r.status for r in report.results] == [
        QcStatus.PASS,
        QcStatus.DEVIATION,
        QcStatus.PASS,
        QcStatus.NOT_MEASURED,
    ]
    assert [d.quantity for d in report.deviations] == ["concentrate.viability_percent"]
    assert report.has_deviations
    assert (report.protocol_name, report.protocol_version) == ("Test", 3)
    assert report.results[1].as_dict()["status"] == "deviation"
