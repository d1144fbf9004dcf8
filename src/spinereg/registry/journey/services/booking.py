"""Consultation bookings from the public pages: match or create the patient, take a free seat
of a physician's slot, confirm by e-mail. The seat is guarded by the database (a partial unique
index, see models.py): of two simultaneous requests for the last seat one commits and the other
meets the index, retries the next seat and, finding none, is refused with a message."""

from datetime import date, datetime
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from spinereg.core.vocabulary import Language, Sex
from spinereg.registry.access import require_clinical_write
from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.consent.selectors import clinic_local_date
from spinereg.registry.journey.mail import send_booking_cancellation, send_booking_confirmation
from spinereg.registry.journey.models import Booking, BookingStatus
from spinereg.registry.journey.slots import Slot, slot_find
from spinereg.registry.patients.models import Patient, PatientIdentity
from spinereg.registry.patients.services import new_pseudonym

PUBLIC_REASON = "public booking"


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_person(
    *, given_name: str, family_name: str, birth_date: date, email: str, sex: str, language: str,
    today: date,
) -> None:  # fmt: skip
    errors: dict[str, ValidationError] = {}
    for name, value in (("given_name", given_name), ("family_name", family_name)):
        if not value.strip():
            errors[name] = ValidationError("This field is required.", code="required")
    if birth_date > today:
        errors["birth_date"] = ValidationError(
            "The date of birth is in the future.", code="not_future"
        )
    elif today.year - birth_date.year > 120:
        errors["birth_date"] = ValidationError(
            f"{birth_date.isoformat()} is more than 120 years ago.", code="plausible"
        )
    if not email.strip():
        errors["email"] = ValidationError(
            "An e-mail address is needed to send the confirmation.", code="required"
        )
    if sex not in {member.value for member in Sex}:
        errors["sex"] = ValidationError(f"{sex!r} is not a choice.", code="choice")
    if language not in {member.value for member in Language}:
        errors["language"] = ValidationError(f"{language!r} is not a language.", code="choice")
    if errors:
        raise ValidationError(errors)


def _check_slot(clinic: Clinic, *, physician_id: int, starts_at: datetime, now: datetime) -> Slot:
    if starts_at <= now:
        raise _refuse("slot", "That time has already passed; please choose another.", "slot_past")
    slot = slot_find(clinic, physician_id=physician_id, starts_at=starts_at, now=now)
    if slot is None:
        raise _refuse(
            "slot",
            "That time is not offered by this clinic; please choose another.",
            "slot_offered",
        )
    if slot.free_seats <= 0:
        raise _refuse("slot", "That time is already taken; please choose another.", "slot_taken")
    return slot


def _patient_for(
    clinic: Clinic,
    *,
    given_name: str,
    family_name: str,
    birth_date: date,
    email: str,
    phone: str,
    sex: str,
    language: str,
    today: date,
) -> Patient:
    """The clinic's patient with this e-mail and date of birth, or a new one. A new patient
    gets a placeholder record number (WEB-<pseudonym>) until the clinic assigns its own."""
    identity = (
        PatientIdentity.objects.select_related("patient")
        .filter(patient__clinic=clinic, email__iexact=email.strip(), birth_date=birth_date)
        .order_by("pk")
        .first()
    )
    if identity is not None:
        return identity.patient
    pseudonym = new_pseudonym()
    patient = record_create(
        Patient(
            clinic=clinic,
            pseudonym=pseudonym,
            sex=sex,
            birth_year=birth_date.year,
            language=language,
            enrolled_date=today,
        ),
        actor=None,
        reason=PUBLIC_REASON,
    )
    record_create(
        PatientIdentity(
            patient=patient,
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            birth_date=birth_date,
            mrn=f"WEB-{pseudonym}",
            email=email.strip(),
            phone=phone.strip(),
        ),
        actor=None,
        reason=PUBLIC_REASON,
    )
    return patient


def _take_seat(
    clinic: Clinic, slot: Slot, *, patient: Patient, language: str, actor: User | None, reason: str
) -> Booking:
    """Insert the booking on the first seat nobody holds. Each attempt runs in a savepoint, so
    losing a race (IntegrityError from the unique index, or the same rule caught by
    full_clean when the other booking is already committed) only moves on to the next seat."""
    held = set(
        Booking.objects.filter(
            status=BookingStatus.BOOKED, physician_id=slot.physician_id, starts_at=slot.starts_at
        ).values_list("seat", flat=True)
    )
    for seat in range(1, slot.capacity + 1):
        if seat in held:
            continue
        try:
            with transaction.atomic():
                return record_create(
                    Booking(
                        clinic=clinic,
                        physician_id=slot.physician_id,
                        patient=patient,
                        starts_at=slot.starts_at,
                        ends_at=slot.ends_at,
                        seat=seat,
                        language=language,
                    ),
                    actor=actor,
                    reason=reason,
                )
        except IntegrityError:
            continue
        except ValidationError as error:
            if NON_FIELD_ERRORS in getattr(error, "error_dict", {}):
                continue
            raise
    raise _refuse("slot", "Someone has just taken that time; please choose another.", "slot_taken")


def booking_request_public(
    *,
    clinic: Clinic,
    physician_id: int,
    starts_at: datetime,
    given_name: str,
    family_name: str,
    birth_date: date,
    email: str,
    base_url: str,
    phone: str = "",
    sex: str = "unknown",
    language: str = "en",
    now: datetime | None = None,
) -> Booking:
    """A visitor's request for a consultation slot. Creates (or finds, by e-mail and date of
    birth within the clinic) the patient, books the seat and e-mails the confirmation with an
    iCalendar file and the signed link to manage it. All of it, or nothing."""
    now = now or timezone.now()
    today = clinic_local_date(now, clinic.timezone)
    _check_person(
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date,
        email=email,
        sex=sex,
        language=language,
        today=today,
    )
    slot = _check_slot(clinic, physician_id=physician_id, starts_at=starts_at, now=now)
    with transaction.atomic():
        patient = _patient_for(
            clinic,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            email=email,
            phone=phone,
            sex=sex,
            language=language,
            today=today,
        )
        upcoming = Booking.objects.filter(
            patient=patient, status=BookingStatus.BOOKED, starts_at__gt=now
        ).first()
        if upcoming is not None:
            raise _refuse(
                "slot",
                "You already have a consultation booked at this clinic; use the link in its "
                "confirmation e-mail to change the time.",
                "already_booked",
            )
        booking = _take_seat(
            clinic, slot, patient=patient, language=language, actor=None, reason=PUBLIC_REASON
        )
        transaction.on_commit(partial(send_booking_confirmation, booking.pk, base_url))
    return booking


def _check_changeable(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise _refuse("status", "This booking is already cancelled.", "booked")
    if booking.starts_at <= now:
        raise _refuse("slot", "This consultation has already started or passed.", "slot_past")


def booking_cancel(
    booking: Booking,
    *,
    actor: User | None,
    base_url: str,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """Cancel from the patient's link (actor None) or by staff; the seat is free again."""
    if actor is not None:
        require_clinical_write(actor, booking.clinic_id)
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_changeable(booking, now)
        record_update(
            booking,
            changes={"status": BookingStatus.CANCELLED, "cancelled_at": now},
            actor=actor,
            reason=reason or ("cancelled by the patient" if actor is None else "cancelled"),
        )
        transaction.on_commit(partial(send_booking_cancellation, booking.pk, base_url))
    return booking


def booking_reschedule(
    booking: Booking,
    *,
    physician_id: int,
    starts_at: datetime,
    actor: User | None,
    base_url: str,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to another free slot: the old one is cancelled and points to the new
    one, in one transaction, so a refused new slot leaves the old booking as it was."""
    if actor is not None:
        require_clinical_write(actor, booking.clinic_id)
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("clinic", "patient")
            .get(pk=booking.pk)
        )
        _check_changeable(booking, now)
        slot = _check_slot(booking.clinic, physician_id=physician_id, starts_at=starts_at, now=now)
        reason = "rescheduled by the patient" if actor is None else "rescheduled"
        record_update(
            booking,
            changes={"status": BookingStatus.CANCELLED, "cancelled_at": now},
            actor=actor,
            reason=reason,
        )
        replacement = _take_seat(
            booking.clinic,
            slot,
            patient=booking.patient,
            language=booking.language,
            actor=actor,
            reason=reason,
        )
        record_update(booking, changes={"replaced_by": replacement}, actor=actor, reason=reason)
        transaction.on_commit(
            partial(send_booking_confirmation, replacement.pk, base_url, replaced_id=booking.pk)
        )
    return replacement
