"""Booking a consultation from the public pages: the patient is created or found, the seat is
taken, the confirmation carries an iCalendar file and a signed link; a taken, past or unknown
slot is refused with a message and saves nothing."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.core import signing
from django.core.exceptions import ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.journey.links import booking_id_from_token
from spinereg.registry.journey.models import Booking
from spinereg.registry.journey.services import booking_cancel, booking_reschedule
from spinereg.registry.patients.models import Patient, PatientIdentity
from tests.factories import PatientFactory
from tests.registry.journey.helpers import BASE_URL, FIRST_SLOT, NOW, book, weekday_hours


def _counts():
    return (Patient.objects.count(), Booking.objects.count(), AuditEntry.objects.count())


def _calendar(message, name="consultation.ics"):
    for filename, content, mimetype in message.attachments:
        if filename == name:
            assert mimetype.startswith("text/calendar")
            return icalendar.Calendar.from_ical(content)
    raise AssertionError(f"no {name} attached")


def _token(message):
    link = next(line for line in message.body.splitlines() if "/bmac/b/" in line)
    return link.rsplit("/bmac/b/", 1)[1].strip("/")


def test_a_request_creates_the_patient_and_books_the_seat(bookable, mailoutbox):
    booking = book(bookable)
    identity = PatientIdentity.objects.get(email="ana@example.org")
    assert booking.patient == identity.patient
    assert (identity.given_name, identity.family_name) == ("Ana", "Núñez")
    assert identity.birth_date == date(1981, 5, 20)
    assert identity.mrn.startswith("WEB-")
    assert booking.patient.clinic == bookable.north
    assert (booking.starts_at, booking.seat, booking.status) == (FIRST_SLOT, 1, "booked")
    assert booking.ends_at - booking.starts_at == timedelta(minutes=30)
    entries = AuditEntry.objects.filter(patient_id=booking.patient_id)
    assert {entry.model for entry in entries} == {
        "patients.patient",
        "patients.patientidentity",
        "journey.booking",
    }
    assert all(entry.actor is None and entry.reason == "public booking" for entry in entries)


def test_the_confirmation_has_a_calendar_event_and_a_signed_link(bookable, mailoutbox, commits):
    with commits(execute=True):
        booking = book(bookable)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ana@example.org"]
    event = _calendar(message).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == FIRST_SLOT
    assert event.decoded("DTEND") == FIRST_SLOT + timedelta(minutes=30)
    assert str(event["UID"]) == f"spinereg-booking-{booking.pk}@north"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "North Spine"
    token = _token(message)
    assert booking_id_from_token(token) == booking.pk
    assert token in str(event["DESCRIPTION"])


def test_the_confirmation_speaks_spanish_to_a_spanish_speaker(bookable, mailoutbox, commits):
    with commits(execute=True):
        book(bookable, language="es")
    assert mailoutbox[0].subject.startswith("Su solicitud de consulta: 2 de noviembre de 2026")
    assert "en investigación" in mailoutbox[0].body


def test_the_same_email_and_birth_date_find_the_existing_patient(bookable, mailoutbox):
    existing = PatientFactory(clinic=bookable.north)
    existing.identity.email = "Known@Example.org"
    existing.identity.birth_date = date(1981, 5, 20)
    existing.identity.save()
    booking = book(bookable, email="known@example.org")
    assert booking.patient == existing
    assert PatientIdentity.objects.filter(email__iexact="known@example.org").count() == 1


def test_the_same_email_with_another_birth_date_is_another_person(bookable, mailoutbox):
    book(bookable)
    second = book(
        bookable,
        FIRST_SLOT + timedelta(minutes=30),
        birth_date=date(2010, 1, 1),
        given_name="Lucía",
    )
    assert PatientIdentity.objects.filter(email="ana@example.org").count() == 2
    assert second.patient.identity.given_name == "Lucía"


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (datetime(2026, 11, 2, 7, 30, tzinfo=UTC), "slot_past"),
        (datetime(2026, 11, 2, 9, 10, tzinfo=UTC), "slot_offered"),  # not a slot start
        (datetime(2026, 11, 7, 9, 0, tzinfo=UTC), "slot_offered"),  # Saturday
    ],
    ids=["past", "off_grid", "weekend"],
)
def test_a_slot_that_cannot_be_booked_is_refused_and_nothing_saved(
    bookable, mailoutbox, starts_at, code
):
    before = _counts()
    with pytest.raises(ValidationError) as raised:
        book(bookable, starts_at)
    assert raised.value.error_dict["slot"][0].code == code
    assert _counts() == before
    assert mailoutbox == []


def test_a_taken_slot_is_refused_and_the_second_person_is_not_created(
    bookable, mailoutbox, commits
):
    with commits(execute=True):
        book(bookable)
    before = _counts()
    with pytest.raises(ValidationError) as raised, commits(execute=True):
        book(bookable, email="ben@example.org", given_name="Ben")
    assert raised.value.error_dict["slot"][0].code == "slot_taken"
    assert "already taken" in raised.value.error_dict["slot"][0].message
    assert _counts() == before
    assert len(mailoutbox) == 1


def test_a_slot_for_two_takes_two_people_then_refuses(clinic_world, mailoutbox):
    weekday_hours(clinic_world, capacity=2)
    first = book(clinic_world)
    second = book(clinic_world, email="ben@example.org")
    assert (first.seat, second.seat) == (1, 2)
    with pytest.raises(ValidationError):
        book(clinic_world, email="cy@example.org")


def test_one_upcoming_booking_per_patient(bookable, mailoutbox):
    book(bookable)
    with pytest.raises(ValidationError) as raised:
        book(bookable, FIRST_SLOT + timedelta(days=1))
    assert raised.value.error_dict["slot"][0].code == "already_booked"


@pytest.mark.parametrize(
    ("field", "overrides", "code"),
    [
        ("given_name", {"given_name": " "}, "required"),
        ("birth_date", {"birth_date": date(2027, 1, 1)}, "not_future"),
        ("birth_date", {"birth_date": date(1890, 1, 1)}, "plausible"),
        ("email", {"email": ""}, "required"),
        ("email", {"email": "not-an-address"}, "invalid"),
        ("sex", {"sex": "x"}, "choice"),
    ],
)
def test_bad_personal_details_name_the_field_and_save_nothing(
    bookable, mailoutbox, field, overrides, code
):
    before = _counts()
    with pytest.raises(ValidationError) as raised:
        book(bookable, **overrides)
    assert raised.value.error_dict[field][0].code == code
    assert _counts() == before


def test_cancelling_frees_the_seat_and_sends_a_cancelled_event(bookable, mailoutbox, commits):
    booking = book(bookable)
    with commits(execute=True):
        booking_cancel(booking, actor=None, base_url=BASE_URL, now=NOW)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    event = _calendar(mailoutbox[-1]).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"spinereg-booking-{booking.pk}@north"
    entry = AuditEntry.objects.filter(model="journey.booking", action="update").latest("pk")
    assert entry.after["status"] == "cancelled"
    assert entry.reason == "cancelled by the patient"
    again = book(bookable, email="ben@example.org")
    assert again.starts_at == FIRST_SLOT


def test_a_cancelled_booking_cannot_be_cancelled_again(bookable, mailoutbox):
    booking = book(bookable)
    booking_cancel(booking, actor=None, base_url=BASE_URL, now=NOW)
    with pytest.raises(ValidationError) as raised:
        booking_cancel(booking, actor=None, base_url=BASE_URL, now=NOW)
    assert raised.value.error_dict["status"][0].code == "booked"


def test_rescheduling_moves_the_booking_and_replaces_the_calendar_event(
    bookable, mailoutbox, commits
):
    booking = book(bookable)
    later = FIRST_SLOT + timedelta(days=1, hours=1)
    with commits(execute=True):
        moved = booking_reschedule(
            booking, physician_id=bookable.physician.pk, starts_at=later, actor=None,
            base_url=BASE_URL, now=NOW,
        )  # fmt: skip
    booking.refresh_from_db()
    assert (booking.status, booking.replaced_by) == ("cancelled", moved)
    assert (moved.starts_at, moved.status, moved.patient) == (later, "booked", booking.patient)
    message = mailoutbox[-1]
    assert _calendar(message).walk("VEVENT")[0].decoded("DTSTART") == later
    assert str(_calendar(message, "cancelled.ics")["METHOD"]) == "CANCEL"


def test_rescheduling_to_a_taken_slot_keeps_the_old_booking(bookable, mailoutbox):
    booking = book(bookable)
    taken = FIRST_SLOT + timedelta(minutes=30)
    book(bookable, taken, email="ben@example.org")
    with pytest.raises(ValidationError) as raised:
        booking_reschedule(
            booking, physician_id=bookable.physician.pk, starts_at=taken, actor=None,
            base_url=BASE_URL, now=NOW,
        )  # fmt: skip
    assert raised.value.error_dict["slot"][0].code == "slot_taken"
    booking.refresh_from_db()
    assert (booking.status, booking.replaced_by) == ("booked", None)


def test_a_forged_or_expired_token_is_refused():
    from spinereg.registry.journey.links import booking_token

    token = booking_token(42)
    assert booking_id_from_token(token) == 42
    with pytest.raises(signing.BadSignature):
        booking_id_from_token(token[:-2] + "xx")
    with pytest.raises(signing.SignatureExpired):
        booking_id_from_token(token, max_age_seconds=-1)
    with pytest.raises(signing.BadSignature):
        signing.TimestampSigner(salt="another purpose").unsign(token)
