"""Availability, bookings, pre-screens, candidacy decisions and clinic alerts.

Two people can never hold the same place in a consultation slot: a booking takes a seat
(1…capacity) of a physician's slot, and a partial unique index on (physician, starts_at, seat)
over active bookings lets the database, not the application, refuse the second of two
simultaneous requests. A cancelled booking leaves the index and frees its seat.

Times of availability are the clinic's local wall-clock times (Clinic.timezone); a booking
stores aware instants."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from spinereg.core.candidacy import Outcome
from spinereg.core.vocabulary import Language, choices
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.outcomes.models import QuestionnaireResponse
from spinereg.registry.patients.models import Patient


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilityTemplate(models.Model):
    """A physician's weekly consultation hours at a clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="availability")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(help_text="Clinic-local time.")
    end_time = models.TimeField(help_text="Clinic-local time.")
    slot_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="People seen in one slot (1 for a one-to-one consultation).",
    )
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")),
                name="availability_start_before_end",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="availability_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", "Not available"
    EXTRA = "extra", "Extra hours"


class AvailabilityException(models.Model):
    """One day that differs from the weekly template: hours off (a whole day when no times
    are given) or extra hours."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=ExceptionKind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True, end_time__isnull=True)
                | models.Q(start_time__lt=models.F("end_time")),
                name="availability_exception_times",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extra") | models.Q(start_time__isnull=False),
                name="availability_extra_has_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class Booking(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="bookings")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    seat = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    language = models.CharField(max_length=2, choices=choices(Language), default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The booking that took its place when it was rescheduled.",
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["physician", "starts_at", "seat"],
                condition=models.Q(status="booked"),
                name="booking_one_person_per_seat",
            ),
            models.CheckConstraint(condition=models.Q(seat__gte=1), name="booking_seat_positive"),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="booking_starts_before_end",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class Prescreen(models.Model):
    """The patient's pre-screen answers and the engine's result as the patient saw it, with
    the rules version that produced it."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prescreens")
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="prescreens"
    )
    answers = models.JSONField(default=dict, help_text="Engine input name → answer")
    nrs_response = models.ForeignKey(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    odi_response = models.ForeignKey(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=[(o.value, o.value) for o in Outcome])
    red_flags = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict)
    rules_id = models.CharField(max_length=60)
    rules_version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=choices(Language), default="en")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Pre-screen {self.submitted_at:%Y-%m-%d}: {self.outcome}"

    @property
    def is_locked(self) -> bool:
        """What the patient answered is a record: changes need a reason."""
        return True


class Decision(models.TextChoices):
    CANDIDATE = "candidate", "Candidate for BMAC"
    NOT_CANDIDATE = "not_candidate", "Not a candidate for BMAC"


class CandidacyDecision(models.Model):
    """The physician's final decision at the consultation, beside the engine's outcome."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="candidacy_decisions"
    )
    prescreen = models.ForeignKey(Prescreen, on_delete=models.PROTECT, related_name="decisions")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    engine_outcome = models.CharField(max_length=20, choices=[(o.value, o.value) for o in Outcome])
    agrees_with_engine = models.BooleanField()
    reason = models.TextField(blank=True)
    rules_id = models.CharField(max_length=60)
    rules_version = models.CharField(max_length=20)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agrees_with_engine=True) | ~models.Q(reason=""),
                name="decision_disagreement_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_at:%Y-%m-%d})"

    @property
    def is_locked(self) -> bool:
        return True


class ClinicAlert(models.Model):
    """A pre-screen that reported a red flag: the clinic follows it up."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="alerts")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="clinic_alerts")
    prescreen = models.ForeignKey(Prescreen, on_delete=models.CASCADE, related_name="alerts")
    red_flags = models.JSONField(default=list)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-created_at"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"Red flag alert {self.created_at:%Y-%m-%d %H:%M}"
