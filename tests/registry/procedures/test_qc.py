"""QC against the protocol in force, and the physician's acknowledgement a deviation needs
before injection."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import DeviationAcknowledgement, QcEvaluation
from tests.registry.procedures.helpers import (
    GOOD_CONCENTRATE,
    HARVEST_AT,
    INJECT_AT,
    bmac_episode,
    counts,
    inject,
    label,
    record_harvest,
    record_processing,
)

LOW_VIABILITY = {**GOOD_CONCENTRATE, "viability_percent": 86.5}


def _day_with_low_viability(world, protocol):
    episode = bmac_episode(world)
    record_harvest(world, episode, protocol)
    record_processing(world, episode, concentrate=LOW_VIABILITY, system="BioCUE")
    return episode, label(world, episode)


def test_processing_is_evaluated_against_the_protocol_version_in_force(clinic_world, protocol):
    episode, _ = _day_with_low_viability(clinic_world, protocol)
    evaluation = QcEvaluation.objects.get(episode=episode)
    assert evaluation.protocol == protocol
    by_quantity = {r["quantity"]: r for r in evaluation.results}
    assert by_quantity["concentrate.viability_percent"]["status"] == "deviation"
    assert by_quantity["concentrate.viability_percent"]["observed"] == 86.5
    assert by_quantity["concentrate.viability_percent"]["rule"] == "≥ 90 %"
    assert by_quantity["processing.system"]["status"] == "deviation"
    assert by_quantity["concentrate.tnc_per_ml"]["status"] == "pass"
    assert by_quantity["timing.minutes_harvest_to_injection"]["status"] == "not_measured"
    assert evaluation.deviation_count == 2


def test_an_unacknowledged_deviation_blocks_the_injection_and_nothing_is_saved(
    clinic_world, protocol
):
    episode, product = _day_with_low_viability(clinic_world, protocol)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, product.product_code)
    error = raised.value.error_dict["acknowledge_deviations"][0]
    assert error.code == "deviation_unacknowledged"
    assert "86.5 % is below the protocol's minimum of 90 %" in error.message
    after = counts()
    # The accepted wristband-and-label check is the one row kept: it did happen.
    assert after.pop("IdentityCheck") == before.pop("IdentityCheck") + 1
    after.pop("AuditEntry"), before.pop("AuditEntry")
    assert after == before
    product.refresh_from_db()
    assert product.used_at is None


def test_a_physician_acknowledges_each_deviation_and_the_injection_proceeds(clinic_world, protocol):
    episode, product = _day_with_low_viability(clinic_world, protocol)
    for quantity in ("concentrate.viability_percent", "processing.system"):
        services.deviation_acknowledge(
            episode=episode,
            actor=clinic_world.physician,
            quantity=quantity,
            comment="Within our experience; patient informed.",
            now=INJECT_AT,
        )
    inject(clinic_world, episode, product.product_code)
    assert Injection.objects.filter(episode=episode).count() == 1
    ack = DeviationAcknowledgement.objects.get(quantity="concentrate.viability_percent")
    assert (ack.observed, ack.acknowledged_by) == (86.5, clinic_world.physician)


def test_the_physician_may_acknowledge_in_the_injection_step_with_a_comment(clinic_world, protocol):
    episode, product = _day_with_low_viability(clinic_world, protocol)
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, product.product_code, acknowledge_deviations=True)
    assert raised.value.error_dict["comment"][0].code == "required"
    inject(
        clinic_world,
        episode,
        product.product_code,
        acknowledge_deviations=True,
        acknowledgement_comment="Reviewed at the bedside.",
    )
    assert DeviationAcknowledgement.objects.filter(episode=episode).count() == 2


@pytest.mark.parametrize("role", ["technician", "coordinator"])
def test_only_a_physician_acknowledges(clinic_world, protocol, role):
    episode, _ = _day_with_low_viability(clinic_world, protocol)
    with pytest.raises(PermissionDenied, match="physician"):
        services.deviation_acknowledge(
            episode=episode,
            actor=getattr(clinic_world, role),
            quantity="concentrate.viability_percent",
            comment="fine",
        )
    assert not DeviationAcknowledgement.objects.exists()


def test_a_quantity_without_a_deviation_cannot_be_acknowledged(clinic_world, protocol):
    episode, _ = _day_with_low_viability(clinic_world, protocol)
    with pytest.raises(ValidationError) as raised:
        services.deviation_acknowledge(
            episode=episode,
            actor=clinic_world.physician,
            quantity="concentrate.tnc_per_ml",
            comment="fine",
        )
    assert raised.value.error_dict["quantity"][0].code == "no_deviation"


def test_a_changed_value_is_a_new_deviation_that_needs_a_new_acknowledgement(
    clinic_world, protocol
):
    episode, product = _day_with_low_viability(clinic_world, protocol)
    for quantity in ("concentrate.viability_percent", "processing.system"):
        services.deviation_acknowledge(
            episode=episode, actor=clinic_world.physician, quantity=quantity, comment="ok"
        )
    services.procedure_correct(
        episode=episode,
        actor=clinic_world.technician,
        changes={"concentrate.viability_percent": 84.0},
        now=INJECT_AT,
    )
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, product.product_code)
    assert "84 % is below" in raised.value.error_dict["acknowledge_deviations"][0].message


def test_minutes_from_harvest_to_injection_are_checked_at_injection(clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    record_harvest(clinic_world, episode, protocol)
    record_processing(clinic_world, episode)
    product = label(clinic_world, episode)
    late = HARVEST_AT + timedelta(minutes=150)
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, product.product_code, injected_at=late, now=late)
    assert "150 min exceeds the protocol's maximum of 120 min" in (
        raised.value.error_dict["acknowledge_deviations"][0].message
    )
    inject(
        clinic_world,
        episode,
        product.product_code,
        injected_at=late,
        now=late,
        acknowledge_deviations=True,
        acknowledgement_comment="Fluoroscopy suite delayed.",
    )
    latest = QcEvaluation.objects.filter(episode=episode).first()
    assert latest.trigger == "injection"
    timing = next(
        r for r in latest.results if r["quantity"] == "timing.minutes_harvest_to_injection"
    )
    assert (timing["status"], timing["observed"]) == ("deviation", 150.0)
