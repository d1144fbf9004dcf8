"""Harvest, processing with its composition, and the product label: who records each, what is
refused, and that a refusal saves nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Composition, Harvest, Product
from spinereg.registry.procedures.models import ProcedureDay, QcEvaluation
from tests.factories import EpisodeFactory
from tests.registry.procedures.helpers import (
    HARVEST_AT,
    LABEL_AT,
    bmac_episode,
    counts,
    label,
    record_harvest,
    record_processing,
)


def _code(raised, field):
    return raised.value.error_dict[field][0].code


def test_the_coordinator_records_the_harvest_and_opens_the_day(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    harvest = record_harvest(clinic_world, episode, protocol)
    day = ProcedureDay.objects.get(episode=episode)
    assert day.protocol == protocol
    assert (day.pull_count, day.needle_gauge, day.syringe_volume_ml) == (6, 11, 10.0)
    assert harvest.performed_by == clinic_world.physician
    audited = set(
        AuditEntry.objects.filter(patient_id=episode.patient_id).values_list("model", flat=True)
    )
    assert {"episodes.harvest", "procedures.procedureday"} <= audited


@pytest.mark.parametrize("role", ["technician", "physician", "administrator"])
def test_only_a_coordinator_records_the_harvest(clinic_world, protocol, role):
    episode = bmac_episode(clinic_world)
    with pytest.raises(PermissionDenied, match="coordinator"):
        record_harvest(clinic_world, episode, protocol, actor=getattr(clinic_world, role))
    assert not Harvest.objects.exists()


def test_another_clinic_cannot_record_the_harvest(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    with pytest.raises(PermissionDenied):
        record_harvest(clinic_world, episode, protocol, actor=clinic_world.other)


def test_a_protocol_not_in_force_that_day_is_refused(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        record_harvest(
            clinic_world,
            episode,
            protocol,
            harvested_at=datetime(2025, 12, 31, 9, 0, tzinfo=UTC),
            now=datetime(2025, 12, 31, 10, 0, tzinfo=UTC),
        )
    assert _code(raised, "protocol") == "protocol_in_force"
    assert counts() == before


def test_no_marrow_is_taken_without_the_patient_s_signed_consent(clinic_world, protocol):
    episode = bmac_episode(clinic_world, consent=False)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        record_harvest(clinic_world, episode, protocol)
    error = raised.value.error_dict["consent"][0]
    assert error.code == "consent_required"
    assert "2026-03-02" in error.message
    assert counts() == before


def test_a_comparator_episode_has_no_procedure_day(clinic_world, protocol):
    episode = EpisodeFactory(patient=clinic_world.patient, kind="rfa", condition="facet")
    with pytest.raises(ValidationError) as raised:
        record_harvest(clinic_world, episode, protocol)
    assert _code(raised, "episode") == "bmac_only"


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"aspirate_volume_ml": -3.0}, "aspirate_volume_ml", "positive"),
        ({"anticoagulant_volume_ml": -1.0}, "anticoagulant_volume_ml", "non_negative"),
        ({"harvested_at": HARVEST_AT + timedelta(days=1)}, "harvested_at", "not_in_future"),
        ({"side": "upside-down"}, "side", "invalid_choice"),
    ],
)
def test_impossible_harvest_values_are_refused_and_nothing_is_saved(
    clinic_world, protocol, override, field, rule
):
    episode = bmac_episode(clinic_world)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        record_harvest(clinic_world, episode, protocol, **override)
    assert _code(raised, field) == rule
    assert counts() == before


def test_the_technician_records_processing_composition_and_attestations(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    processing = record_processing(clinic_world, episode)
    fractions = {c.fraction: c for c in Composition.objects.filter(processing=processing)}
    assert fractions["concentrate"].tnc_per_ml == 120e6
    assert fractions["aspirate"].viability_percent is None  # not measured, not invented
    day = ProcedureDay.objects.get(episode=episode)
    assert (day.centrifugation_only, day.culture_or_expansion, day.added_agents) == (
        True,
        False,
        "",
    )
    assert day.anticoagulant_lot_number == "ACD-77"
    evaluation = QcEvaluation.objects.get(episode=episode)
    assert evaluation.trigger == "processing"
    assert evaluation.deviation_count == 0


def test_processing_before_the_harvest_is_refused(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    with pytest.raises(ValidationError) as raised:
        record_processing(clinic_world, episode)
    assert _code(raised, "processing") == "harvest_first"


@pytest.mark.parametrize("role", ["coordinator", "physician"])
def test_only_a_technician_records_processing(clinic_world, protocol, role):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    with pytest.raises(PermissionDenied, match="technician"):
        record_processing(clinic_world, episode, actor=getattr(clinic_world, role))


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"concentrate_volume_ml": 61.0}, "concentrate_volume_ml", "concentrate_within_aspirate"),
        ({"concentrate": {"tnc_per_ml": -1.0}}, "concentrate.tnc_per_ml", "non_negative"),
        (
            {"concentrate": {"viability_percent": 101.0}},
            "concentrate.viability_percent",
            "percent_range",
        ),
        (
            {"aspirate": {"tnc_per_ml": 30e6, "cd34_per_ml": 31e6}},
            "aspirate.cd34_per_ml",
            "subset_of_tnc",
        ),
        ({"aspirate": {"stem_cells": 5.0}}, "aspirate.stem_cells", "unknown_measure"),
        ({"started_at": HARVEST_AT - timedelta(minutes=1)}, "started_at", "after_harvest"),
        ({"ended_at": HARVEST_AT + timedelta(minutes=10)}, "ended_at", "after_start"),
    ],
)
def test_impossible_processing_values_are_refused_and_nothing_is_saved(
    clinic_world, protocol, override, field, rule
):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        record_processing(clinic_world, episode, **override)
    assert _code(raised, field) == rule
    assert counts() == before


def test_the_label_gets_a_random_code_and_expires_after_the_protocol_shelf_life(
    clinic_world, protocol
):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    record_processing(clinic_world, episode)
    product = label(clinic_world, episode)
    assert product.product_code.startswith("BMAC-")
    assert len(product.product_code) == 15
    assert clinic_world.patient.identity.mrn not in product.product_code
    assert product.expires_at == HARVEST_AT + timedelta(minutes=240)
    assert product.labelled_at == LABEL_AT


def test_two_labels_for_one_product_are_refused(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    record_processing(clinic_world, episode)
    label(clinic_world, episode)
    with pytest.raises(ValidationError) as raised:
        label(clinic_world, episode)
    assert _code(raised, "product") == "already_labelled"
    assert Product.objects.count() == 1


def test_an_expired_concentrate_is_not_labelled(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    record_processing(clinic_world, episode)
    with pytest.raises(ValidationError) as raised:
        label(clinic_world, episode, now=HARVEST_AT + timedelta(minutes=240))
    assert _code(raised, "product") == "expired"
    assert not Product.objects.exists()


def test_only_a_technician_labels_and_only_after_processing(clinic_world, protocol):
    from spinereg.registry.procedures import services

    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    with pytest.raises(ValidationError) as raised:
        label(clinic_world, episode)
    assert _code(raised, "product") == "processing_first"
    record_processing(clinic_world, episode)
    with pytest.raises(PermissionDenied, match="technician"):
        services.product_label(episode=episode, actor=clinic_world.physician, now=LABEL_AT)


def test_the_harvest_day_is_the_clinic_local_day(clinic_world):
    from tests.registry.procedures.helpers import protocol_for

    clinic_world.north.timezone = "America/Denver"
    clinic_world.north.save()
    protocol = protocol_for(clinic_world)
    protocol.effective_from = date(2026, 3, 3)
    protocol.save()
    episode = bmac_episode(clinic_world)
    # 05:30 UTC on 3 March is 22:30 on 2 March in Denver: the protocol is not yet in force.
    late = datetime(2026, 3, 3, 5, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as raised:
        record_harvest(clinic_world, episode, protocol, harvested_at=late, now=late)
    assert "2026-03-02" in raised.value.error_dict["protocol"][0].message
