"""The patient's contact channel and a coordinator's "send the link again": validated, audited,
scoped to the clinic, and the resend goes out once at the worker's next pass."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.followup.models import ContactPreference, Notification, NotificationKind
from spinereg.registry.followup.services import contact_preference_set, notification_resend
from tests.registry.followup.helpers import at, day, item_of, run_worker


def test_a_channel_is_saved_and_audited(clinic_world):
    identity = clinic_world.patient.identity
    identity.phone = "+15550100"
    identity.save()
    preference = contact_preference_set(
        patient=clinic_world.patient, channel="sms", actor=clinic_world.coordinator
    )
    assert preference.channel == "sms"
    contact_preference_set(
        patient=clinic_world.patient, channel="email", actor=clinic_world.coordinator
    )
    assert ContactPreference.objects.get().channel == "email"
    actions = list(
        AuditEntry.objects.filter(model="followup.contactpreference")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


@pytest.mark.parametrize(
    ("channel", "rule"), [("sms", "contact_on_record"), ("fax", "known_channel")]
)
def test_a_channel_without_an_address_or_unknown_is_refused(clinic_world, channel, rule):
    with pytest.raises(ValidationError) as error:
        contact_preference_set(
            patient=clinic_world.patient, channel=channel, actor=clinic_world.coordinator
        )
    assert error.value.error_dict["channel"][0].code == rule
    assert not ContactPreference.objects.exists()


def test_another_clinic_may_not_change_the_channel(clinic_world):
    with pytest.raises(PermissionDenied):
        contact_preference_set(
            patient=clinic_world.patient, channel="email", actor=clinic_world.other
        )


def test_a_resend_is_audited_and_sent_once_by_the_worker(clinic_world, episode):
    run_worker(at(day(10)))
    item = item_of(episode, "2wk")
    with_time = at(day(12))  # before the 3-day reminder
    row = notification_resend(item=item, actor=clinic_world.coordinator, now=with_time)
    again = notification_resend(item=item, actor=clinic_world.coordinator, now=with_time)
    assert again.pk == row.pk  # a second click while queued adds nothing
    assert (row.kind, row.sequence, row.requested_by) == ("resend", 1, clinic_world.coordinator)
    entry = AuditEntry.objects.get(model="followup.notification.resend")
    assert (entry.actor, entry.patient_id, entry.after["visit"]) == (
        clinic_world.coordinator,
        clinic_world.patient.pk,
        "2wk",
    )
    assert run_worker(with_time).sent_email == 1
    assert run_worker(with_time).sent == 0
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Reminder")
    second = notification_resend(item=item, actor=clinic_world.coordinator, now=with_time)
    assert second.sequence == 2


@pytest.mark.parametrize(
    ("visit", "on_day", "rule"),
    [("6wk", 12, "window_open"), ("2wk", 35, "link_valid")],
)
def test_a_resend_outside_the_links_life_is_refused(clinic_world, episode, visit, on_day, rule):
    with pytest.raises(ValidationError) as error:
        notification_resend(
            item=item_of(episode, visit), actor=clinic_world.coordinator, now=at(day(on_day))
        )
    assert error.value.error_dict["schedule_item"][0].code == rule
    assert not Notification.objects.filter(kind=NotificationKind.RESEND).exists()
    assert not AuditEntry.objects.filter(model="followup.notification.resend").exists()


def test_a_completed_visit_is_not_resent(clinic_world, episode):
    item = item_of(episode, "2wk")
    item.completed_at = at(day(11))
    item.save()
    with pytest.raises(ValidationError) as error:
        notification_resend(item=item, actor=clinic_world.coordinator, now=at(day(12)))
    assert error.value.error_dict["schedule_item"][0].code == "not_completed"


@pytest.mark.parametrize("who", ["other", "researcher"])
def test_only_the_clinics_staff_resend(clinic_world, episode, who):
    with pytest.raises(PermissionDenied):
        notification_resend(
            item=item_of(episode, "2wk"), actor=getattr(clinic_world, who), now=at(day(12))
        )
    assert not Notification.objects.exists()
