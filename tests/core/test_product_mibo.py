"""MIBO completeness: every domain item present makes the description complete; each missing
field is named."""

from dataclasses import replace
from datetime import UTC, datetime

from spinereg.core.product.mibo import MIBO_ITEMS, mibo_completeness
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    InjectionFacts,
    ProcedureRecord,
    ProcessingFacts,
)

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
COMPLETE = ProcedureRecord(
    harvest=HarvestFacts(
        harvested_at=AT,
        site="posterior_iliac_crest",
        side="bilateral",
        aspirate_volume_ml=60.0,
        anticoagulant="ACD-A",
        anticoagulant_volume_ml=8.0,
        syringe_volume_ml=10.0,
        pull_count=6,
        needle_gauge=11,
    ),
    processing=ProcessingFacts(
        system="SmartPrep2", concentrate_volume_ml=7.0, g_force=1100, spin_minutes=14, spins=2
    ),
    concentrate=CompositionFacts(
        tnc_per_ml=120e6,
        cfu_f_per_ml=2500.0,
        cd34_per_ml=1.8e6,
        platelets_per_ml=1.2e9,
        viability_percent=95.0,
        hematocrit_percent=12.0,
    ),
    injections=(
        InjectionFacts("L4-L5", "central", 2.0, AT, "intradiscal", "fluoroscopy", 22, True),
    ),
    added_agents="",
    post_procedure_protocol="Lumbar brace for 2 weeks; no NSAIDs for 6 weeks.",
    patient_sex="female",
    patient_birth_year=1975,
)


def test_a_fully_described_product_is_complete():
    report = mibo_completeness(COMPLETE)
    assert report.is_complete
    assert report.missing == ()
    assert report.share_present == 1.0
    assert len(report.present) == len(MIBO_ITEMS)


def test_each_missing_field_is_named_by_its_domain_and_item():
    record = replace(
        COMPLETE,
        concentrate=replace(COMPLETE.concentrate, cfu_f_per_ml=None, viability_percent=None),
        harvest=replace(COMPLETE.harvest, pull_count=None),
        post_procedure_protocol="",
    )
    report = mibo_completeness(record)
    assert not report.is_complete
    assert [(item.domain, item.code) for item in report.missing] == [
        ("harvest", "draws"),
        ("composition", "cfu_f"),
        ("composition", "viability"),
        ("post_procedure", "protocol"),
    ]
    assert report.share_present == (len(MIBO_ITEMS) - 4) / len(MIBO_ITEMS)


def test_an_empty_day_misses_everything_but_the_patient_factors():
    report = mibo_completeness(ProcedureRecord(patient_sex="male", patient_birth_year=1960))
    assert {item.domain for item in report.present} == {"patient"}
    assert {item.domain_label for item in report.missing} == {
        "Harvest",
        "Processing",
        "Composition",
        "Delivery",
        "Post-procedure",
    }


def test_unrecorded_added_agents_leave_the_co_injectates_missing():
    report = mibo_completeness(replace(COMPLETE, added_agents=None))
    assert [item.code for item in report.missing] == ["co_injectates"]
