"""Reads of the journey, through the access chokepoint for anything about a patient."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from spinereg.registry.access import clinic_ids_for, patients_visible_to
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.journey.models import (
    AvailabilityException,
    AvailabilityTemplate,
    Booking,
    BookingStatus,
    CandidacyDecision,
    ClinicAlert,
    Prescreen,
)
from spinereg.registry.patients.models import Patient


def clinics_taking_bookings() -> QuerySet[Clinic]:
    """Clinics with at least one weekly template: the public booking page lists these."""
    return Clinic.objects.filter(availability__isnull=False).distinct().order_by("name")


def prescreens_visible_to(user: Any) -> QuerySet[Prescreen]:
    return Prescreen.objects.filter(patient__in=patients_visible_to(user))


def decisions_visible_to(user: Any) -> QuerySet[CandidacyDecision]:
    return CandidacyDecision.objects.filter(patient__in=patients_visible_to(user))


def alerts_visible_to(user: Any) -> QuerySet[ClinicAlert]:
    """Alerts of the clinics where the user holds a clinical role, open ones first."""
    return (
        ClinicAlert.objects.filter(clinic_id__in=clinic_ids_for(user))
        .select_related("patient__identity", "clinic", "acknowledged_by")
        .order_by("acknowledged_at", "-created_at")
    )


def bookings_visible_to(user: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(clinic_id__in=clinic_ids_for(user)).select_related(
        "patient__identity", "clinic", "physician"
    )


def bookings_upcoming(user: Any, now: datetime) -> QuerySet[Booking]:
    return bookings_visible_to(user).filter(status=BookingStatus.BOOKED, ends_at__gte=now)


def availability_visible_to(
    user: Any,
) -> tuple[QuerySet[AvailabilityTemplate], QuerySet[AvailabilityException]]:
    clinic_ids = clinic_ids_for(user)
    return (
        AvailabilityTemplate.objects.filter(clinic_id__in=clinic_ids).select_related(
            "clinic", "physician"
        ),
        AvailabilityException.objects.filter(clinic_id__in=clinic_ids).select_related(
            "clinic", "physician"
        ),
    )


def candidacy_overview(user: Any, patient_id: int) -> tuple[Patient, list[Prescreen]]:
    """A visible patient and their pre-screens with decisions, newest first. Raises
    Patient.DoesNotExist for missing and forbidden alike."""
    patient = patients_visible_to(user).select_related("identity", "clinic").get(pk=patient_id)
    prescreens = list(
        Prescreen.objects.filter(patient=patient)
        .prefetch_related("decisions__physician", "alerts")
        .select_related("nrs_response", "odi_response")
    )
    return patient, prescreens


def booking_for_link(booking_id: int) -> Booking | None:
    """The booking a verified signed link names (the link is the patient's authority)."""
    return (
        Booking.objects.select_related("clinic", "patient__identity", "physician")
        .filter(pk=booking_id)
        .first()
    )


def booking_lineage(booking: Booking) -> list[int]:
    """This booking and those it replaced when rescheduled: one consultation request."""
    ids = [booking.pk]
    frontier = [booking.pk]
    while frontier:
        frontier = list(
            Booking.objects.filter(replaced_by_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def prescreen_of_booking(booking: Booking) -> Prescreen | None:
    """The pre-screen answered for this consultation request, whichever booking of it."""
    return Prescreen.objects.filter(booking_id__in=booking_lineage(booking)).first()


def latest_prescreen_of(patient: Patient) -> Prescreen | None:
    return Prescreen.objects.filter(patient=patient).first()


def latest_decision_of(patient: Patient) -> CandidacyDecision | None:
    return CandidacyDecision.objects.filter(patient=patient).first()
