"""Writes to follow-up: planning an episode's schedule from its index date and the clinic's
schedule in force, loading a clinic's schedule definition, the patient's contact channel, and a
coordinator's "send the link again". Each validates, writes and audits in one transaction."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from spinereg.core import instruments
from spinereg.core.errors import RuleViolation
from spinereg.core.schedule import Schedule, plan, schedule_from_dict
from spinereg.registry.access import holds_role, require_clinical_write
from spinereg.registry.accounts.models import Clinic, Role, User
from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import (
    audit_entry_create,
    record_create,
    record_update,
    snapshot,
)
from spinereg.registry.episodes.models import Episode, EpisodeStatus
from spinereg.registry.followup.links import (
    clinic_morning,
    clinic_today,
    next_window_start,
    valid_until,
)
from spinereg.registry.followup.models import (
    Channel,
    ContactPreference,
    Notification,
    NotificationKind,
    NotificationStatus,
    ScheduleDefinition,
    ScheduleItem,
)
from spinereg.registry.followup.selectors import clinic_schedule, schedule_label
from spinereg.registry.patients.models import Patient

# Reminders after the invitation, in days (the issue: +3 and +7 days if not completed).
REMINDER_DAYS = {NotificationKind.REMINDER_3D: 3, NotificationKind.REMINDER_7D: 7}
SCHEDULE_VERSION_MAX_LENGTH = ScheduleItem._meta.get_field("schedule_version").max_length or 20
VISIT_CODE_MAX_LENGTH = ScheduleItem._meta.get_field("visit").max_length or 20


def schedule_plan(episode: Episode, schedule: Schedule | None = None) -> list[ScheduleItem]:
    """(Re)plan every visit of `episode` from its index date and its clinic's schedule in force.
    Completed items keep their completion; a changed index date or schedule moves every window,
    drops open visits the schedule no longer has, and re-plans the messages not yet sent.
    Called inside the episode's audited transaction, so the schedule never disagrees with the
    index date."""
    schedule = schedule or clinic_schedule(episode.clinic_id)
    with transaction.atomic():
        if episode.index_date is None:
            ScheduleItem.objects.filter(episode=episode, completed_at__isnull=True).delete()
            return []
        codes = [visit.code for visit in schedule.visits]
        ScheduleItem.objects.filter(episode=episode, completed_at__isnull=True).exclude(
            visit__in=codes
        ).delete()
        existing = {item.visit: item for item in ScheduleItem.objects.filter(episode=episode)}
        items = []
        for planned in plan(episode.index_date, schedule):
            item = existing.get(planned.visit.code) or ScheduleItem(
                episode=episode, visit=planned.visit.code
            )
            item.target_date = planned.target_date
            item.window_start = planned.window_start
            item.window_end = planned.window_end
            item.instruments = list(planned.visit.instruments)
            item.schedule_version = schedule_label(schedule)
            item.save()
            items.append(item)
        notifications_replan(items, timezone_name=episode.clinic.timezone)
    return items


def notifications_replan(items: list[ScheduleItem], *, timezone_name: str) -> int:
    """Move the messages not yet sent to the items' current windows. Sent rows are history and
    stay. A pending invitation waits for the morning the window opens; a pending reminder goes
    3 or 7 days after the later of the invitation and that morning, so a window moved later
    never gets a reminder before it opens. Returns the number of rows moved."""
    by_id = {item.pk: item for item in items if item.completed_at is None}
    if not by_id:
        return 0
    invited_at = dict(
        Notification.objects.filter(
            schedule_item_id__in=by_id,
            kind=NotificationKind.INVITATION,
            status=NotificationStatus.SENT,
        ).values_list("schedule_item_id", "sent_at")
    )
    pending = list(
        Notification.objects.filter(
            schedule_item_id__in=by_id,
            status=NotificationStatus.PENDING,
            kind__in=[NotificationKind.INVITATION, *REMINDER_DAYS],
        )
    )
    for row in pending:
        opens_at = clinic_morning(by_id[row.schedule_item_id].window_start, timezone_name)
        if row.kind == NotificationKind.INVITATION:
            row.send_after = opens_at
        else:
            base = max(invited_at.get(row.schedule_item_id) or opens_at, opens_at)
            row.send_after = base + timedelta(days=REMINDER_DAYS[NotificationKind(row.kind)])
    Notification.objects.bulk_update(pending, ["send_after"])
    return len(pending)


def _definition_errors(data: Any) -> Schedule:
    """Check a schedule definition; the first problem becomes a ValidationError naming the
    field path (`visits.2.instruments`) and the rule."""

    def refuse(field: str, rule: str, message: str) -> ValidationError:
        return ValidationError({field: ValidationError(message, code=rule)})

    if not isinstance(data, dict):
        raise refuse("definition", "json_object", "The definition must be a JSON object.")
    for key in ("id", "version"):
        if not str(data.get(key, "")).strip():
            raise refuse(key, "required", f"The definition needs a {key!r}.")
    visits = data.get("visits")
    if not isinstance(visits, list) or not visits:
        raise refuse("visits", "required", "The definition needs a non-empty list of visits.")
    known = set(instruments.instrument_ids())
    seen: set[str] = set()
    for position, visit in enumerate(visits):
        if not isinstance(visit, dict):
            raise refuse(f"visits.{position}", "json_object", "Each visit is a JSON object.")
        for key in ("code", "target_day", "window_before", "window_after", "instruments"):
            if key not in visit:
                raise refuse(f"visits.{position}.{key}", "required", f"The visit needs {key!r}.")
        code = str(visit["code"])
        if not code or len(code) > VISIT_CODE_MAX_LENGTH or code in seen:
            raise refuse(
                f"visits.{position}.code",
                "unique_code",
                f"Visit code {code!r} must be unique and 1–{VISIT_CODE_MAX_LENGTH} characters.",
            )
        seen.add(code)
        for key in ("target_day", "window_before", "window_after"):
            if not isinstance(visit[key], int) or isinstance(visit[key], bool):
                raise refuse(
                    f"visits.{position}.{key}", "integer_days", f"{key} is a whole number of days."
                )
        listed = visit["instruments"]
        if not isinstance(listed, list) or not listed:
            raise refuse(
                f"visits.{position}.instruments", "required", "A visit asks for an instrument."
            )
        unknown = sorted(str(name) for name in listed if name not in known)
        if unknown:
            raise refuse(
                f"visits.{position}.instruments",
                "known_instrument",
                f"Unknown instrument {unknown[0]!r}; known: {', '.join(sorted(known))}.",
            )
    try:
        schedule = schedule_from_dict(data)
    except RuleViolation as error:
        raise refuse(error.field, error.rule, error.message) from None
    label = schedule_label(schedule)
    if len(label) > SCHEDULE_VERSION_MAX_LENGTH:
        raise refuse(
            "id",
            "label_length",
            f"'{label}' (id/version) is {len(label)} characters; the limit is "
            f"{SCHEDULE_VERSION_MAX_LENGTH}.",
        )
    return schedule


def schedule_definition_load(
    *, clinic: Clinic, data: Any, actor: User | None, reason: str = ""
) -> ScheduleDefinition:
    """Put a new schedule definition in force for a clinic and re-plan every episode of the
    clinic that has an index date (windows, instruments, messages not yet sent). A version
    already loaded is refused: a definition is never edited in place. `actor` None is the
    command line, run by whoever operates the server."""
    if actor is not None and not holds_role(actor, (Role.ADMINISTRATOR,), clinic.pk):
        raise ValidationError(
            {
                "actor": ValidationError(
                    "Only an administrator of this clinic changes its follow-up schedule.",
                    code="administrator",
                )
            }
        )
    schedule = _definition_errors(data)
    with transaction.atomic():
        if ScheduleDefinition.objects.filter(
            clinic=clinic, schedule_id=schedule.id, version=schedule.version
        ).exists():
            raise ValidationError(
                {
                    "version": ValidationError(
                        f"Version {schedule.version} of {schedule.id} is already loaded for this "
                        "clinic; give the changed schedule a new version.",
                        code="new_version",
                    )
                }
            )
        definition = ScheduleDefinition(
            clinic=clinic,
            schedule_id=schedule.id,
            version=schedule.version,
            definition=data,
            created_by=actor,
        )
        definition.full_clean()
        definition.save()
        audit_entry_create(
            actor=actor,
            action=AuditAction.CREATE,
            model=definition._meta.label_lower,
            object_id=definition.pk,
            clinic_id=clinic.pk,
            after=snapshot(definition),
            reason=reason,
        )
        episodes = Episode.objects.filter(clinic=clinic, index_date__isnull=False).select_related(
            "clinic"
        )
        for episode in episodes.iterator(chunk_size=500):
            schedule_plan(episode, schedule)
    return definition


def contact_preference_set(
    *, patient: Patient, channel: str, actor: User | None, reason: str = ""
) -> ContactPreference:
    """Record how the patient wants follow-up links. The address for that channel must be on
    record, or no link could ever reach them."""
    if actor is not None:
        require_clinical_write(actor, patient.clinic_id)
    if channel not in Channel.values:
        raise ValidationError(
            {
                "channel": ValidationError(
                    f"{channel!r} is not a channel; use one of {', '.join(Channel.values)}.",
                    code="known_channel",
                )
            }
        )
    identity = getattr(patient, "identity", None)
    address = {
        Channel.EMAIL: getattr(identity, "email", ""),
        Channel.SMS: getattr(identity, "phone", ""),
    }[Channel(channel)]
    if not address:
        missing = "e-mail address" if channel == Channel.EMAIL else "phone number"
        raise ValidationError(
            {
                "channel": ValidationError(
                    f"The patient has no {missing} on record.", code="contact_on_record"
                )
            }
        )
    with transaction.atomic():
        existing = ContactPreference.objects.filter(patient=patient).first()
        if existing is not None:
            return record_update(existing, changes={"channel": channel}, actor=actor, reason=reason)
        return record_create(
            ContactPreference(patient=patient, channel=channel), actor=actor, reason=reason
        )


def notification_resend(
    *, item: ScheduleItem, actor: User, now: datetime | None = None, reason: str = ""
) -> Notification:
    """Queue the visit's link again (the worker sends it within its interval). Only while the
    link can still be used; a second click while one is queued returns the queued one."""
    require_clinical_write(actor, item.episode.clinic_id)
    now = now or timezone.now()
    episode = item.episode
    patient = episode.patient

    def refuse(message: str, rule: str) -> ValidationError:
        return ValidationError({"schedule_item": ValidationError(message, code=rule)})

    if item.completed_at is not None:
        raise refuse("This visit is already completed.", "not_completed")
    if (
        episode.status != EpisodeStatus.ACTIVE
        or patient.withdrawn_date is not None
        or patient.deceased_date is not None
    ):
        raise refuse("The patient is no longer in follow-up for this episode.", "in_followup")
    today = clinic_today(episode.clinic.timezone, now)
    if today < item.window_start:
        raise refuse(f"The window opens on {item.window_start:%Y-%m-%d}.", "window_open")
    last_day = valid_until(item.window_end, next_window_start(item))
    if today > last_day:
        raise refuse(
            f"The link for this visit could be used until {last_day:%Y-%m-%d}; it has expired.",
            "link_valid",
        )
    with transaction.atomic():
        ScheduleItem.objects.select_for_update().filter(pk=item.pk).first()
        queued = Notification.objects.filter(
            schedule_item=item, kind=NotificationKind.RESEND, status=NotificationStatus.PENDING
        ).first()
        if queued is not None:
            return queued
        last = Notification.objects.filter(
            schedule_item=item, kind=NotificationKind.RESEND
        ).aggregate(last=Max("sequence"))["last"]
        row = Notification(
            schedule_item=item,
            kind=NotificationKind.RESEND,
            sequence=(last or 0) + 1,
            send_after=now,
            requested_by=actor,
        )
        row.full_clean()
        row.save()
        audit_entry_create(
            actor=actor,
            action=AuditAction.EVENT,
            model="followup.notification.resend",
            object_id=row.pk,
            patient=patient,
            after={"schedule_item": item.pk, "visit": item.visit, "sequence": row.sequence},
            reason=reason,
        )
    return row
