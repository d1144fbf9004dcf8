"""Derived product metrics, checked against numbers worked by hand (shown in each test)."""

from datetime import UTC, datetime

import pytest

from spinereg.core.product.metrics import (
    concentration_factor,
    derive_metrics,
    dose_delivered,
    minutes_between,
    observation,
    total_count,
)
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    InjectionFacts,
    ProcedureRecord,
    ProcessingFacts,
    clinic_local_date,
)

HARVEST_AT = datetime(2026, 3, 2, 8, 10, tzinfo=UTC)


def _record(**overrides):
    base = {
        "harvest": HarvestFacts(
            harvested_at=HARVEST_AT,
            site="posterior_iliac_crest",
            side="bilateral",
            aspirate_volume_ml=60.0,
            anticoagulant="ACD-A",
            anticoagulant_volume_ml=8.0,
        ),
        "processing": ProcessingFacts(
            system="SmartPrep2",
            concentrate_volume_ml=6.0,
            started_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
            ended_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
            spins=2,
        ),
        "aspirate": CompositionFacts(
            tnc_per_ml=30e6, cfu_f_per_ml=800.0, cd34_per_ml=0.5e6, viability_percent=97.0
        ),
        "concentrate": CompositionFacts(
            tnc_per_ml=120e6, cfu_f_per_ml=2500.0, cd34_per_ml=1.8e6, viability_percent=95.0
        ),
        "injections": (
            InjectionFacts("L4-L5", "central", 2.0, datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
            InjectionFacts("L5-S1", "central", 1.5, datetime(2026, 3, 2, 10, 25, tzinfo=UTC)),
        ),
    }
    base.update(overrides)
    return ProcedureRecord(**base)


def test_totals_are_per_ml_counts_times_the_fraction_volume():
    # 30 × 10⁶/mL × 60 mL = 1.8 × 10⁹ cells; 120 × 10⁶/mL × 6 mL = 7.2 × 10⁸ cells.
    metrics = derive_metrics(_record())
    assert metrics.totals["aspirate.tnc_total"] == pytest.approx(1.8e9)
    assert metrics.totals["concentrate.tnc_total"] == pytest.approx(7.2e8)
    # 2,500 CFU-F/mL × 6 mL = 15,000 colonies.
    assert metrics.totals["concentrate.cfu_f_total"] == pytest.approx(15_000.0)
    assert metrics.totals["concentrate.platelets_total"] is None  # not measured


def test_the_concentration_factor_is_concentrate_over_aspirate_per_ml():
    # TNC 120/30 = 4.0; CFU-F 2,500/800 = 3.125; CD34+ 1.8/0.5 = 3.6.
    factors = derive_metrics(_record()).concentration_factors
    assert factors["tnc"] == pytest.approx(4.0)
    assert factors["cfu_f"] == pytest.approx(3.125)
    assert factors["cd34"] == pytest.approx(3.6)
    assert factors["mnc"] is None


def test_a_concentration_factor_over_zero_or_nothing_is_none():
    assert concentration_factor(120e6, 0.0) is None
    assert concentration_factor(None, 30e6) is None
    assert concentration_factor(120e6, None) is None


def test_the_dose_at_each_level_is_the_concentrate_count_times_the_volume_there():
    # L4-L5: 2.0 mL × 120 × 10⁶ = 2.4 × 10⁸ TNC and 2.0 × 2,500 = 5,000 CFU-F;
    # L5-S1: 1.5 mL × 120 × 10⁶ = 1.8 × 10⁸ TNC and 1.5 × 2,500 = 3,750 CFU-F.
    doses = derive_metrics(_record()).doses
    assert [(d.level, d.volume_ml) for d in doses] == [("L4-L5", 2.0), ("L5-S1", 1.5)]
    assert doses[0].doses["tnc"] == pytest.approx(2.4e8)
    assert doses[0].doses["cfu_f"] == pytest.approx(5_000.0)
    assert doses[1].doses["tnc"] == pytest.approx(1.8e8)
    assert doses[1].doses["cfu_f"] == pytest.approx(3_750.0)
    # 08:10 → 10:00 is 110 minutes; 08:10 → 10:25 is 135.
    assert [d.minutes_after_harvest for d in doses] == [110.0, 135.0]


def test_minutes_from_harvest_to_injection_run_to_the_last_level():
    metrics = derive_metrics(_record())
    assert metrics.minutes_harvest_to_injection == pytest.approx(135.0)
    assert metrics.injected_volume_ml == pytest.approx(3.5)
    assert metrics.processing_minutes == pytest.approx(35.0)  # 08:30 → 09:05


def test_nothing_is_derived_from_what_was_not_recorded():
    metrics = derive_metrics(ProcedureRecord())
    assert metrics.minutes_harvest_to_injection is None
    assert metrics.injected_volume_ml is None
    assert all(value is None for value in metrics.totals.values())
    assert metrics.doses == ()


def test_the_small_functions_agree_with_the_hand_worked_figures():
    assert total_count(2713.0, 2.0) == pytest.approx(5426.0)
    assert total_count(None, 2.0) is None
    assert dose_delivered(1.82e6, 2.0) == pytest.approx(3.64e6)
    assert minutes_between(HARVEST_AT, datetime(2026, 3, 2, 9, 40, 30, tzinfo=UTC)) == 90.5


def test_the_observation_names_every_value_by_its_catalogue_code():
    observed = observation(_record())
    assert observed["harvest.aspirate_volume_ml"] == 60.0
    assert observed["concentrate.viability_percent"] == 95.0
    assert observed["concentration_factor.tnc"] == pytest.approx(4.0)
    assert observed["timing.minutes_harvest_to_injection"] == pytest.approx(135.0)
    assert observed["processing.spins"] == 2.0
    assert observed["processing.system"] == "SmartPrep2"
    assert observed["aspirate.platelets_per_ml"] is None


def test_the_clinic_local_date_of_a_late_harvest_is_the_clinic_s_day():
    late = datetime(2026, 3, 3, 5, 30, tzinfo=UTC)  # 22:30 the day before in Denver (UTC−7)
    assert clinic_local_date(late, "America/Denver").isoformat() == "2026-03-02"
    assert clinic_local_date(late, "UTC").isoformat() == "2026-03-03"
