"""Follow-up: schedule items (one per episode and visit, each with its window), the clinic's
versioned schedule definition, the patient's contact channel, the outbox of invitations and
reminders, and the link between a follow-up link and the responses it produced.

Schedule items store their window; the status (upcoming, due, overdue, completed, missed) is
derived from the window, the completion and today, so it can never go stale. The schedule item
and patient tables are written by the synthetic bulk loader column by column, so follow-up state
lives in tables of its own rather than in new columns there."""

from django.conf import settings
from django.db import models

from spinereg.registry.accounts.models import Clinic
from spinereg.registry.episodes.models import Episode
from spinereg.registry.patients.models import Patient


class ScheduleItem(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="schedule")
    visit = models.CharField(max_length=20, help_text="Visit code, e.g. baseline, 3mo.")
    target_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    instruments = models.JSONField(default=list)
    completed_at = models.DateTimeField(null=True, blank=True)
    schedule_version = models.CharField(max_length=20)

    class Meta:
        ordering = ["target_date"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "visit"], name="schedule_one_per_visit"),
            models.CheckConstraint(
                condition=models.Q(window_start__lte=models.F("target_date"))
                & models.Q(target_date__lte=models.F("window_end")),
                name="schedule_target_in_window",
            ),
        ]
        indexes = [models.Index(fields=["window_end", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.visit} ({self.window_start}–{self.window_end})"


class ScheduleDefinition(models.Model):
    """A clinic's follow-up schedule as data (the JSON shape of core/data/schedule_default.json).
    Rows are never edited: a change is a new version, and the newest row is the one in force,
    so every schedule item can name the definition it was planned from."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="schedules")
    schedule_id = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "schedule_id", "version"], name="schedule_definition_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id}/{self.version} · {self.clinic}"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message (SMS)"


class ContactPreference(models.Model):
    """How the patient wants follow-up links: by e-mail (the default) or by text message."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="contact_preference"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.patient} · {self.channel}"


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    REMINDER_3D = "reminder_3d", "Reminder after 3 days"
    REMINDER_7D = "reminder_7d", "Reminder after 7 days"
    RESEND = "resend", "Sent again by staff"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One message of the outbox. The unique (item, kind, sequence) row is what makes sending
    idempotent: the worker marks a row sent in the same transaction as the hand-off to the
    e-mail or SMS backend, so a restarted worker finds it sent and never sends it again.
    Automatic kinds have sequence 0; staff resends count up from 1."""

    schedule_item = models.ForeignKey(
        ScheduleItem, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    sequence = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    send_after = models.DateTimeField()
    channel = models.CharField(max_length=5, choices=Channel.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why a row was not sent, or the error class of the last failure; never patient data.
    outcome = models.CharField(max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["send_after", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule_item", "kind", "sequence"], name="notification_once_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="resend", sequence__gte=1)
                | (~models.Q(kind="resend") & models.Q(sequence=0)),
                name="notification_sequence_for_resends_only",
            ),
        ]
        indexes = [models.Index(fields=["status", "send_after"])]

    def __str__(self) -> str:
        return f"{self.kind}#{self.sequence} {self.status}"


class LinkAnswer(models.Model):
    """The one response a follow-up link may produce per instrument of its visit: the unique
    (item, instrument) row turns a double submit into a no-op instead of a second response."""

    schedule_item = models.ForeignKey(
        ScheduleItem, on_delete=models.CASCADE, related_name="link_answers"
    )
    instrument_id = models.CharField(max_length=20)
    response = models.OneToOneField(
        "outcomes.QuestionnaireResponse", on_delete=models.CASCADE, related_name="link_answer"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule_item", "instrument_id"], name="link_answer_once_per_instrument"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_item_id} · {self.instrument_id}"
