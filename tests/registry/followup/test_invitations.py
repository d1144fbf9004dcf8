"""The worker invites a patient when a visit's window opens: by e-mail in the patient's language
or by text message (clinic name and link only), once, and never for a closed window, a completed
visit, a patient no longer in follow-up, or a patient without an address."""

from datetime import UTC, datetime, timedelta

from django.core import mail

from spinereg.registry.episodes.models import Episode
from spinereg.registry.followup import sms
from spinereg.registry.followup.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    ScheduleItem,
)
from spinereg.registry.followup.services import contact_preference_set
from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.factories import EpisodeFactory, PatientFactory
from tests.registry.followup.helpers import at, day, item_of, run_worker, sent_links


def test_an_invitation_goes_by_email_when_the_window_opens(clinic_world, episode):
    result = run_worker(at(day(9)))  # the day before the 2-week window opens
    assert (result.planned, result.sent) == (0, 0)
    assert not mail.outbox

    result = run_worker(at(day(10)))
    assert (result.planned, result.sent_email) == (1, 1)
    [message] = mail.outbox
    assert message.to == [clinic_world.patient.identity.email]
    assert clinic_world.patient.identity.given_name in message.body
    assert clinic_world.patient.identity.family_name not in message.body
    assert "North Spine" in message.subject
    assert sent_links()
    assert sent_links()[0].startswith("/f/")
    row = Notification.objects.get(kind=NotificationKind.INVITATION)
    assert (row.schedule_item, row.status, row.channel) == (
        item_of(episode, "2wk"),
        NotificationStatus.SENT,
        "email",
    )


def test_the_email_speaks_the_patients_language(clinic_world, episode):
    clinic_world.patient.language = "es"
    clinic_world.patient.save()
    run_worker(at(day(10)))
    [message] = mail.outbox
    assert message.subject == "Unas preguntas de North Spine"
    assert message.body.startswith(f"Estimado/a {clinic_world.patient.identity.given_name}:")
    assert "Funciona hasta el 4 de abril de 2025." in message.body
    assert message.extra_headers["Content-Language"] == "es"


def test_a_second_pass_sends_nothing_again(clinic_world, episode):
    run_worker(at(day(10)))
    again = run_worker(at(day(10), hour=11))
    assert (again.planned, again.sent) == (0, 0)
    assert len(mail.outbox) == 1


def test_an_invitation_waits_for_the_morning_of_the_first_day(clinic_world, episode):
    early = run_worker(at(day(10), hour=6))
    assert (early.planned, early.sent) == (1, 0)
    row = Notification.objects.get()
    assert row.send_after == datetime(2025, 3, 11, 9, tzinfo=UTC)
    assert run_worker(at(day(10), hour=9)).sent == 1


def test_a_text_message_carries_the_clinic_and_the_link_only(clinic_world, episode):
    identity = clinic_world.patient.identity
    identity.phone = "+34600111222"
    identity.save()
    contact_preference_set(
        patient=clinic_world.patient, channel="sms", actor=clinic_world.coordinator
    )
    result = run_worker(at(day(10)))
    assert (result.sent_sms, result.sent_email) == (1, 0)
    [message] = sms.outbox
    [link] = sent_links()
    assert message.to == "+34600111222"
    assert message.body == f"North Spine: http://testserver{link}"
    assert not mail.outbox


def test_sms_preference_without_a_phone_falls_back_to_email(clinic_world, episode):
    from spinereg.registry.followup.models import ContactPreference

    ContactPreference.objects.create(patient=clinic_world.patient, channel="sms")
    assert run_worker(at(day(10))).sent_email == 1
    assert not sms.outbox


def test_a_patient_without_address_is_skipped_with_the_reason(clinic_world, episode):
    identity = clinic_world.patient.identity
    identity.email = ""
    identity.save()
    result = run_worker(at(day(10)))
    assert (result.sent, result.skipped, result.skipped_reasons) == (0, 1, {"no_contact": 1})
    assert Notification.objects.get().outcome == "no_contact"


def test_no_invitation_for_a_withdrawn_patient_or_a_closed_episode(clinic_world, episode):
    clinic_world.patient.withdrawn_date = day(5)
    clinic_world.patient.save()
    other = PatientFactory(clinic=clinic_world.north)
    closed = EpisodeFactory(patient=other, index_date=day(0), status="withdrawn")
    ScheduleItem.objects.create(
        episode=closed,
        visit="2wk",
        target_date=day(14),
        window_start=day(10),
        window_end=day(18),
        instruments=["nrs-pain"],
        schedule_version="test",
    )
    assert run_worker(at(day(10))).planned == 0
    assert not mail.outbox


def test_a_bulk_loaded_item_is_invited_like_a_planned_one(clinic_world):
    """Items written by the synthetic loader bypass schedule_plan: the worker plans from the
    items themselves."""
    patient = PatientFactory(clinic=clinic_world.north)
    episode = EpisodeFactory(patient=patient, index_date=day(0), status="active")
    ScheduleItem.objects.bulk_create(
        [
            ScheduleItem(
                episode=episode,
                visit="2wk",
                target_date=day(14),
                window_start=day(10),
                window_end=day(18),
                instruments=["nrs-pain"],
                schedule_version="1.0",
            )
        ]
    )
    assert run_worker(at(day(12))).sent_email == 1
    assert mail.outbox[0].to == [patient.identity.email]


def test_a_completed_visit_and_a_closed_window_get_no_invitation(clinic_world, episode):
    two_weeks = item_of(episode, "2wk")
    two_weeks.completed_at = at(day(10), hour=8)
    two_weeks.save()
    # On day 20 the 2-week window has closed, the 6-week one not yet opened.
    assert run_worker(at(day(20))).planned == 0
    assert run_worker(at(day(10))).planned == 0
    assert not mail.outbox


def test_the_worker_writes_no_clinical_record(clinic_world, episode):
    before = (QuestionnaireResponse.objects.count(), Episode.objects.count())
    run_worker(at(day(10)))
    run_worker(at(day(10)) + timedelta(days=3))
    assert (QuestionnaireResponse.objects.count(), Episode.objects.count()) == before
