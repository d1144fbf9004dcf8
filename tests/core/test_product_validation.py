"""Impossible values are refused with the field and the rule; possible ones pass."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from spinereg.core.errors import RuleViolation
from spinereg.core.product.quantities import Fraction
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    InjectionFacts,
    ProcessingFacts,
)
from spinereg.core.product.validation import (
    check_composition,
    check_harvest,
    check_injections,
    check_processing,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HARVEST = HarvestFacts(
    harvested_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    site="posterior_iliac_crest",
    side="left",
    aspirate_volume_ml=60.0,
    anticoagulant="heparin",
)
PROCESSING = ProcessingFacts(
    system="BioCUE",
    concentrate_volume_ml=6.0,
    started_at=datetime(2026, 3, 2, 8, 20, tzinfo=UTC),
    ended_at=datetime(2026, 3, 2, 8, 50, tzinfo=UTC),
)


def _violation(check) -> RuleViolation:
    with pytest.raises(RuleViolation) as raised:
        check()
    return raised.value


def test_a_possible_day_passes_every_check():
    check_harvest(HARVEST, now=NOW)
    check_processing(PROCESSING, harvest=HARVEST, now=NOW)
    check_composition(
        CompositionFacts(tnc_per_ml=120e6, viability_percent=100.0), fraction=Fraction.CONCENTRATE
    )
    injection = InjectionFacts("L4-L5", "central", 6.0, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    check_injections([injection], harvest=HARVEST, processing=PROCESSING, now=NOW)


def test_a_negative_count_is_refused_by_field_and_rule():
    violation = _violation(
        lambda: check_composition(CompositionFacts(cfu_f_per_ml=-5.0), fraction=Fraction.ASPIRATE)
    )
    assert (violation.field, violation.rule) == ("aspirate.cfu_f_per_ml", "non_negative")
    assert "-5 colonies/mL" in violation.message


def test_viability_over_100_percent_is_refused():
    violation = _violation(
        lambda: check_composition(
            CompositionFacts(viability_percent=100.5), fraction=Fraction.CONCENTRATE
        )
    )
    assert (violation.field, violation.rule) == ("concentrate.viability_percent", "percent_range")
    assert "100.5 % is over 100 %" in violation.message


def test_mononuclear_cells_cannot_outnumber_nucleated_cells():
    violation = _violation(
        lambda: check_composition(
            CompositionFacts(tnc_per_ml=30e6, mnc_per_ml=31e6), fraction=Fraction.ASPIRATE
        )
    )
    assert (violation.field, violation.rule) == ("aspirate.mnc_per_ml", "subset_of_tnc")


def test_concentrate_larger_than_aspirate_is_refused():
    bigger = ProcessingFacts(system="BioCUE", concentrate_volume_ml=61.0)
    violation = _violation(lambda: check_processing(bigger, harvest=HARVEST, now=NOW))
    assert (violation.field, violation.rule) == (
        "concentrate_volume_ml",
        "concentrate_within_aspirate",
    )
    assert "61 mL of concentrate is more than the 60 mL of aspirate" in violation.message


def test_processing_cannot_start_before_the_harvest_or_end_before_it_starts():
    early = ProcessingFacts(
        system="BioCUE",
        concentrate_volume_ml=6.0,
        started_at=datetime(2026, 3, 2, 7, 59, tzinfo=UTC),
    )
    assert _violation(lambda: check_processing(early, harvest=HARVEST, now=NOW)).rule == (
        "after_harvest"
    )
    backwards = ProcessingFacts(
        system="BioCUE",
        concentrate_volume_ml=6.0,
        started_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        ended_at=datetime(2026, 3, 2, 8, 29, tzinfo=UTC),
    )
    violation = _violation(lambda: check_processing(backwards, harvest=HARVEST, now=NOW))
    assert (violation.field, violation.rule) == ("ended_at", "after_start")


def test_an_injection_before_the_harvest_is_refused():
    before = InjectionFacts("L4-L5", "central", 2.0, datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    violation = _violation(
        lambda: check_injections([before], harvest=HARVEST, processing=PROCESSING, now=NOW)
    )
    assert (violation.field, violation.rule) == ("injected_at", "after_harvest")


def test_an_injection_before_processing_ended_is_refused():
    during = InjectionFacts("L4-L5", "central", 2.0, datetime(2026, 3, 2, 8, 40, tzinfo=UTC))
    violation = _violation(
        lambda: check_injections([during], harvest=HARVEST, processing=PROCESSING, now=NOW)
    )
    assert violation.rule == "after_processing"


def test_more_injected_than_concentrated_is_refused():
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    injections = [
        InjectionFacts("L4-L5", "central", 4.0, at),
        InjectionFacts("L5-S1", "central", 2.5, at),
    ]
    violation = _violation(
        lambda: check_injections(injections, harvest=HARVEST, processing=PROCESSING, now=NOW)
    )
    assert (violation.field, violation.rule) == ("targets", "within_concentrate")
    assert "6.5 mL injected is more than the 6 mL of concentrate" in violation.message


def test_the_same_target_twice_is_refused():
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    twice = [
        InjectionFacts("L4-L5", "central", 1.0, at),
        InjectionFacts("L4-L5", "central", 1.0, at),
    ]
    violation = _violation(
        lambda: check_injections(twice, harvest=HARVEST, processing=PROCESSING, now=NOW)
    )
    assert (violation.field, violation.rule) == ("targets.1.level", "unique_target")


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"aspirate_volume_ml": 0.0}, "aspirate_volume_ml", "positive"),
        ({"aspirate_volume_ml": -10.0}, "aspirate_volume_ml", "positive"),
        ({"anticoagulant_volume_ml": -1.0}, "anticoagulant_volume_ml", "non_negative"),
        ({"anticoagulant": "  "}, "anticoagulant", "required"),
        ({"pull_count": 0}, "pull_count", "positive"),
        ({"harvested_at": NOW + timedelta(hours=1)}, "harvested_at", "not_in_future"),
        ({"harvested_at": datetime(2026, 3, 2, 8, 0)}, "harvested_at", "aware_datetime"),  # noqa: DTZ001 -- the naive time is the bad input
        ({"aspirate_volume_ml": float("nan")}, "aspirate_volume_ml", "finite"),
    ],
)
def test_impossible_harvest_values_name_field_and_rule(change, field, rule):
    harvest = replace(HARVEST, **change)
    violation = _violation(lambda: check_harvest(harvest, now=NOW))
    assert (violation.field, violation.rule) == (field, rule)
