"""Reads of follow-up data: the clinic's schedule in force, schedule items with their status, the
coordinators' worklist and the completion rate per timepoint. Staff reads start from
`clinic_ids_for` in registry.access, so a clinic's items are seen only by its clinical staff."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from spinereg.core.schedule import ItemStatus, Schedule, default_schedule, schedule_from_dict
from spinereg.registry.access import AnyUser, clinic_ids_for
from spinereg.registry.episodes.models import EpisodeStatus
from spinereg.registry.followup.models import (
    ContactPreference,
    Notification,
    NotificationStatus,
    ScheduleDefinition,
    ScheduleItem,
)

WORKLIST_STATUSES = (ItemStatus.OVERDUE, ItemStatus.MISSED)


def clinic_schedule_definition(clinic_id: int) -> ScheduleDefinition | None:
    """The clinic's definition in force: its newest row (rows are never edited)."""
    return (
        ScheduleDefinition.objects.filter(clinic_id=clinic_id)
        .order_by("-created_at", "-pk")
        .first()
    )


def clinic_schedule(clinic_id: int) -> Schedule:
    """The schedule in force for a clinic: its own newest definition, else the shipped default."""
    row = clinic_schedule_definition(clinic_id)
    return default_schedule() if row is None else schedule_from_dict(row.definition)


def schedule_label(schedule: Schedule) -> str:
    """What a schedule item records as its `schedule_version`."""
    return f"{schedule.id}/{schedule.version}"


def with_status(items: QuerySet[ScheduleItem], today: date) -> QuerySet[ScheduleItem]:
    """Annotate `status` in the database with the same rule as core.schedule.item_status
    (upcoming before the window, due to the target day, overdue to the window's end, missed
    after; completion wins), so lists can filter and count by it."""
    return items.annotate(
        status=Case(
            When(completed_at__isnull=False, then=Value(ItemStatus.COMPLETED.value)),
            When(window_start__gt=today, then=Value(ItemStatus.UPCOMING.value)),
            When(target_date__gte=today, then=Value(ItemStatus.DUE.value)),
            When(window_end__gte=today, then=Value(ItemStatus.OVERDUE.value)),
            default=Value(ItemStatus.MISSED.value),
            output_field=CharField(),
        )
    )


def next_window_start_subquery(item: str = "") -> Subquery:
    """The start of the episode's next window (links.next_window_start as a subquery), for
    the schedule item at `item` ("" for the query's own rows, "schedule_item__" from an
    outbox row)."""
    return Subquery(
        ScheduleItem.objects.filter(
            episode_id=OuterRef(f"{item}episode_id"), window_start__gt=OuterRef(f"{item}window_end")
        )
        .order_by("window_start")
        .values("window_start")[:1]
    )


def schedule_items_visible_to(user: AnyUser) -> QuerySet[ScheduleItem]:
    """Schedule items of the clinics where `user` holds a clinical role. Patients and
    researchers get none here: a patient reaches their own items only through their link."""
    return ScheduleItem.objects.filter(episode__clinic_id__in=clinic_ids_for(user))


def episode_schedule(user: AnyUser, episode_id: int, today: date) -> QuerySet[ScheduleItem]:
    return with_status(
        schedule_items_visible_to(user).filter(episode_id=episode_id), today
    ).order_by("window_start")


def worklist_items(
    user: AnyUser,
    *,
    clinic_id: int,
    today: date,
    statuses: tuple[str, ...] = WORKLIST_STATUSES,
    visit: str = "",
) -> QuerySet[ScheduleItem]:
    """Overdue and missed items of one clinic's patients still in follow-up, with what the
    coordinator needs to act: the last message sent, how many were sent, and the day after
    which the link can no longer be used (`next_window_start`, see links.valid_until)."""
    sent = Notification.objects.filter(
        schedule_item=OuterRef("pk"), status=NotificationStatus.SENT
    ).order_by("-sent_at", "-pk")
    items = with_status(
        schedule_items_visible_to(user).filter(
            episode__clinic_id=clinic_id,
            episode__status=EpisodeStatus.ACTIVE,
            episode__patient__withdrawn_date__isnull=True,
            episode__patient__deceased_date__isnull=True,
            completed_at__isnull=True,
            target_date__lt=today,
        ),
        today,
    ).filter(status__in=statuses)  # type: ignore[misc]  # `status` is with_status's annotation
    if visit:
        items = items.filter(visit=visit)
    return (
        items.select_related("episode__patient__identity", "episode__patient__contact_preference")
        .annotate(
            next_window_start=next_window_start_subquery(),
            last_sent_at=Subquery(sent.values("sent_at")[:1]),
            last_sent_kind=Subquery(sent.values("kind")[:1]),
            last_channel=Subquery(sent.values("channel")[:1]),
            sent_count=Subquery(
                Notification.objects.filter(
                    schedule_item=OuterRef("pk"), status=NotificationStatus.SENT
                )
                .values("schedule_item")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            pending_resends=Count(
                "notifications",
                filter=Q(
                    notifications__kind="resend",
                    notifications__status=NotificationStatus.PENDING,
                ),
            ),
        )
        .order_by("window_end", "pk")
    )


@dataclass(frozen=True)
class TimepointCompletion:
    """One visit's follow-up so far: items whose window has opened, and how many of them are
    completed, still open (due or overdue) or missed."""

    visit: str
    opened: int
    completed: int
    open_now: int
    missed: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.opened if self.opened else None


def completion_by_timepoint(
    user: AnyUser, *, clinic_id: int, today: date
) -> list[TimepointCompletion]:
    """Completion per visit for one clinic: completed ÷ items whose window has opened, in the
    order of the clinic's schedule (visits it no longer has follow, by code)."""
    rows = (
        schedule_items_visible_to(user)
        .filter(episode__clinic_id=clinic_id, window_start__lte=today)
        .values("visit")
        .annotate(
            opened=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            open_now=Count("pk", filter=Q(completed_at__isnull=True, window_end__gte=today)),
            missed=Count("pk", filter=Q(completed_at__isnull=True, window_end__lt=today)),
        )
        .order_by()
    )
    by_visit = {row["visit"]: row for row in rows}
    order = [visit.code for visit in clinic_schedule(clinic_id).visits]
    codes = [code for code in order if code in by_visit] + sorted(set(by_visit) - set(order))
    return [
        TimepointCompletion(
            visit=code,
            opened=by_visit[code]["opened"],
            completed=by_visit[code]["completed"],
            open_now=by_visit[code]["open_now"],
            missed=by_visit[code]["missed"],
        )
        for code in codes
    ]


def contact_channel(patient_id: int) -> str:
    """The patient's chosen channel; e-mail when they never chose."""
    row = ContactPreference.objects.filter(patient_id=patient_id).only("channel").first()
    return row.channel if row is not None else "email"


def item_notifications(item: ScheduleItem) -> QuerySet[Notification]:
    return item.notifications.order_by("send_after", "pk")
