"""Corrections re-check the whole day and are audited field by field."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Composition
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import QcEvaluation
from tests.registry.procedures.helpers import INJECT_AT, counts, day_until


@pytest.fixture
def processed(clinic_world, protocol):
    return day_until(clinic_world, "processing", protocol=protocol)


def test_a_correction_that_breaks_another_record_is_refused(clinic_world, processed):
    before = counts()
    with pytest.raises(ValidationError) as raised:
        services.procedure_correct(
            episode=processed,
            actor=clinic_world.coordinator,
            changes={"harvest.aspirate_volume_ml": "5"},
            now=INJECT_AT,
        )
    # 5 mL of aspirate cannot have made 7 mL of concentrate.
    assert raised.value.error_dict["processing.concentrate_volume_ml"][0].code == (
        "concentrate_within_aspirate"
    )
    assert counts() == before


def test_a_correction_from_a_form_is_typed_audited_and_re_evaluated(clinic_world, processed):
    services.procedure_correct(
        episode=processed,
        actor=clinic_world.technician,
        changes={"processing.ended_at": "2026-03-02T09:10", "aspirate.viability_percent": "97.5"},
        now=INJECT_AT,
    )
    processed.processing.refresh_from_db()
    assert processed.processing.ended_at.isoformat() == "2026-03-02T09:10:00+00:00"
    aspirate = Composition.objects.get(processing=processed.processing, fraction="aspirate")
    assert aspirate.viability_percent == 97.5
    assert AuditEntry.objects.filter(model="episodes.processing", action="update").exists()
    assert QcEvaluation.objects.filter(episode=processed).first().trigger == "correction"


def test_a_fraction_measured_later_gets_its_row(clinic_world, protocol):
    from tests.registry.procedures.helpers import bmac_episode, record_harvest, record_processing

    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    record_processing(clinic_world, episode, aspirate={})
    services.procedure_correct(
        episode=episode,
        actor=clinic_world.technician,
        changes={"aspirate.tnc_per_ml": 31e6},
        now=INJECT_AT,
    )
    assert Composition.objects.get(fraction="aspirate").tnc_per_ml == 31e6
    assert AuditEntry.objects.filter(model="episodes.composition", action="create").count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"harvest.colour": "red"}, "harvest.colour", "unknown_field"),
        ({"processing.spins": "two"}, "processing.spins", "invalid"),
        ({"processing.ended_at": "yesterday"}, "processing.ended_at", "invalid"),
        ({"harvest.side": "upwards"}, "harvest.side", "invalid_choice"),
    ],
)
def test_bad_corrections_name_the_field(clinic_world, processed, changes, field, code):
    actor = (
        clinic_world.coordinator
        if next(iter(changes)).startswith("harvest")
        else clinic_world.technician
    )
    with pytest.raises(ValidationError) as raised:
        services.procedure_correct(episode=processed, actor=actor, changes=changes, now=INJECT_AT)
    assert raised.value.error_dict[field][0].code == code


def test_a_correction_needs_the_role_of_the_record(clinic_world, processed):
    with pytest.raises(PermissionDenied, match="technician"):
        services.procedure_correct(
            episode=processed,
            actor=clinic_world.coordinator,
            changes={"concentrate.tnc_per_ml": 1e8},
            now=INJECT_AT,
        )
