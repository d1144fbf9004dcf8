"""Chain of identity through the services: each refusal is refused, kept as a safety event
visible to the clinic's administrators, and injects nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import IdentityCheck, SafetyEvent
from spinereg.registry.procedures.selectors import safety_events_visible_to
from tests.factories import MembershipFactory, PatientFactory
from tests.registry.procedures.helpers import (
    HARVEST_AT,
    INJECT_AT,
    bmac_episode,
    day_until,
    inject,
)


@pytest.fixture
def labelled(clinic_world, protocol):
    episode = day_until(clinic_world, "label", protocol=protocol)
    return episode, episode.product


def _refused(world, episode, code, refusal, field="product_code", **overrides):
    before_injections = Injection.objects.count()
    with pytest.raises(ValidationError) as raised:
        inject(world, episode, code, **overrides)
    error = raised.value.error_dict[field][0]
    assert error.code == refusal
    assert "recorded as a safety event" in error.message
    assert Injection.objects.count() == before_injections
    event = SafetyEvent.objects.get()
    assert (event.kind, event.episode, event.clinic) == (refusal, episode, world.north)
    assert event.identity_check.accepted is False
    assert event.reported_by == world.physician
    return event


def test_the_right_wristband_and_label_let_the_injection_through(clinic_world, labelled):
    episode, product = labelled
    inject(clinic_world, episode, product.product_code.lower())
    product.refresh_from_db()
    assert product.used_at == INJECT_AT
    check = IdentityCheck.objects.get()
    assert (check.accepted, check.channel) == (True, "service")
    assert not SafetyEvent.objects.exists()


def test_a_product_of_another_patient_is_refused(clinic_world, labelled, protocol):
    episode, _ = labelled
    other_patient = PatientFactory(clinic=clinic_world.north)
    other = day_until(
        clinic_world, "label", episode=bmac_episode(clinic_world, other_patient), protocol=protocol
    )
    event = _refused(clinic_world, episode, other.product.product_code, "product_other_patient")
    assert other.product.product_code in event.description
    other.product.refresh_from_db()
    assert other.product.used_at is None


def test_a_wristband_of_another_patient_is_refused(clinic_world, labelled):
    episode, product = labelled
    _refused(
        clinic_world,
        episode,
        product.product_code,
        "wristband_mismatch",
        field="wristband",
        wristband="MRN-SOMEONE-ELSE",
    )


def test_an_expired_product_is_refused(clinic_world, labelled):
    episode, product = labelled
    late = HARVEST_AT + timedelta(minutes=241)
    _refused(
        clinic_world, episode, product.product_code, "product_expired", injected_at=late, now=late
    )


def test_a_product_already_used_is_refused(clinic_world, labelled):
    episode, product = labelled
    inject(clinic_world, episode, product.product_code)
    later = INJECT_AT + timedelta(minutes=5)
    _refused(
        clinic_world, episode, product.product_code, "product_used", injected_at=later, now=later
    )
    assert Injection.objects.count() == 1


def test_an_unknown_label_is_refused(clinic_world, labelled):
    episode, _ = labelled
    _refused(clinic_world, episode, "BMAC-0000000000", "product_unknown")


def test_a_refused_check_survives_the_refusal_it_causes(clinic_world, labelled):
    """The refusal raises after the check is committed in its own durable transaction."""
    episode, _ = labelled
    with pytest.raises(ValidationError):
        services.identity_verify(
            episode=episode,
            actor=clinic_world.technician,
            wristband=episode.patient.identity.mrn,
            product_code="BMAC-ZZZZZZZZZZ",
            now=INJECT_AT,
        )
    assert SafetyEvent.objects.filter(kind="product_unknown").exists()


def test_a_check_refuses_to_be_recorded_inside_a_transaction_that_could_undo_it(
    clinic_world, labelled
):
    episode, product = labelled
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.identity_check_record(
            episode=episode,
            actor=clinic_world.technician,
            wristband="MRN-SOMEONE-ELSE",
            product_code=product.product_code,
            now=INJECT_AT,
        )
    assert not SafetyEvent.objects.exists()


def test_a_technician_may_check_but_not_inject(clinic_world, labelled):
    episode, product = labelled
    check = services.identity_check_record(
        episode=episode,
        actor=clinic_world.technician,
        wristband=episode.patient.identity.mrn,
        product_code=product.product_code,
        now=INJECT_AT,
    )
    assert check.accepted
    with pytest.raises(PermissionDenied, match="physician"):
        inject(clinic_world, episode, product.product_code, actor=clinic_world.technician)
    assert not Injection.objects.exists()


def test_empty_scans_are_input_errors_not_safety_events(clinic_world, labelled):
    episode, _ = labelled
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, "  ", wristband="")
    assert set(raised.value.error_dict) == {"wristband", "product_code"}
    assert not IdentityCheck.objects.exists()


def test_safety_events_are_visible_to_the_clinic_administrators_only(clinic_world, labelled):
    episode, _ = labelled
    with pytest.raises(ValidationError):
        inject(clinic_world, episode, "BMAC-0000000000")
    event = SafetyEvent.objects.get()
    assert list(safety_events_visible_to(clinic_world.administrator)) == [event]
    assert list(safety_events_visible_to(clinic_world.physician)) == []
    south_admin = MembershipFactory(clinic=clinic_world.south, role="administrator").user
    assert list(safety_events_visible_to(south_admin)) == []
