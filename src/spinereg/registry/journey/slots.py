"""Free consultation slots from the physicians' weekly templates and exceptions.

A slot starts every `slot_minutes` from a template's start, as long as it ends by the template's
end; a "closed" exception removes the slots it overlaps (a whole day when it has no times); an
"extra" exception adds hours for one day. Wall-clock times are the clinic's (Clinic.timezone),
turned into aware instants here, so daylight-saving changes keep 09:00 at 09:00 local."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count

from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.journey.models import (
    AvailabilityException,
    AvailabilityTemplate,
    Booking,
    BookingStatus,
    ExceptionKind,
)

MAX_DAYS = 62


@dataclass(frozen=True, slots=True)
class Slot:
    clinic_id: int
    physician_id: int
    physician_name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free_seats(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def key(self) -> str:
        """What a form posts back: physician and start, e.g. "7@2026-11-03T09:00:00+00:00"."""
        return f"{self.physician_id}@{self.starts_at.astimezone(UTC).isoformat()}"


def parse_slot_key(key: str) -> tuple[int, datetime] | None:
    physician, _, moment = key.partition("@")
    if not physician.isdigit():
        return None
    try:
        starts_at = datetime.fromisoformat(moment)
    except ValueError:
        return None
    if starts_at.tzinfo is None:
        return None
    return int(physician), starts_at


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    try:
        return ZoneInfo(clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class _Window:
    physician_id: int
    day: date
    start: time
    end: time
    slot_minutes: int
    capacity: int


def _windows(clinic: Clinic, first: date, last: date) -> Iterable[_Window]:
    templates = AvailabilityTemplate.objects.filter(clinic=clinic, valid_from__lte=last).exclude(
        valid_until__lt=first
    )
    day = first
    while day <= last:
        for template in templates:
            in_force = template.valid_from <= day and (
                template.valid_until is None or day <= template.valid_until
            )
            if in_force and template.weekday == day.weekday():
                yield _Window(
                    template.physician_id,
                    day,
                    template.start_time,
                    template.end_time,
                    template.slot_minutes,
                    template.capacity,
                )
        day += timedelta(days=1)
    extras = AvailabilityException.objects.filter(
        clinic=clinic, kind=ExceptionKind.EXTRA, date__range=(first, last)
    )
    for extra in extras:
        if extra.start_time is not None and extra.end_time is not None:
            yield _Window(
                extra.physician_id,
                extra.date,
                extra.start_time,
                extra.end_time,
                extra.slot_minutes,
                extra.capacity,
            )


def slots_for(
    clinic: Clinic, *, first: date, days: int, now: datetime, include_full: bool = False
) -> list[Slot]:
    """Slots of the clinic from `first` for `days` days that start after `now`, earliest
    first, with their booked seats; full slots are left out unless asked for."""
    days = max(1, min(days, MAX_DAYS))
    last = first + timedelta(days=days - 1)
    zone = clinic_zone(clinic)
    closed: dict[tuple[int, date], list[tuple[time | None, time | None]]] = {}
    for exception in AvailabilityException.objects.filter(
        clinic=clinic, kind=ExceptionKind.CLOSED, date__range=(first, last)
    ):
        closed.setdefault((exception.physician_id, exception.date), []).append(
            (exception.start_time, exception.end_time)
        )
    candidates: dict[tuple[int, datetime], tuple[datetime, int]] = {}
    for window in _windows(clinic, first, last):
        start = datetime.combine(window.day, window.start, tzinfo=zone)
        end = datetime.combine(window.day, window.end, tzinfo=zone)
        step = timedelta(minutes=window.slot_minutes)
        moment = start
        while moment + step <= end:
            slot_end = moment + step
            blocked = any(
                off_start is None
                or off_end is None
                or (
                    moment < datetime.combine(window.day, off_end, tzinfo=zone)
                    and datetime.combine(window.day, off_start, tzinfo=zone) < slot_end
                )
                for off_start, off_end in closed.get((window.physician_id, window.day), [])
            )
            if not blocked and moment > now:
                key = (window.physician_id, moment.astimezone(UTC))
                candidates.setdefault(key, (slot_end.astimezone(UTC), window.capacity))
            moment = slot_end
    if not candidates:
        return []
    window_start = datetime.combine(first, time.min, tzinfo=zone)
    window_end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    booked = {
        (row["physician_id"], row["starts_at"].astimezone(UTC)): row["taken"]
        for row in Booking.objects.filter(
            status=BookingStatus.BOOKED,
            physician_id__in={physician for physician, _ in candidates},
            starts_at__gte=window_start,
            starts_at__lt=window_end,
        )
        .values("physician_id", "starts_at")
        .annotate(taken=Count("pk"))
    }
    names = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in={physician for physician, _ in candidates})
    }
    slots = [
        Slot(
            clinic_id=clinic.pk,
            physician_id=physician,
            physician_name=names.get(physician, ""),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            booked=booked.get((physician, starts_at), 0),
        )
        for (physician, starts_at), (ends_at, capacity) in candidates.items()
    ]
    if not include_full:
        slots = [slot for slot in slots if slot.free_seats > 0]
    return sorted(slots, key=lambda slot: (slot.starts_at, slot.physician_name, slot.physician_id))


def slot_find(
    clinic: Clinic, *, physician_id: int, starts_at: datetime, now: datetime
) -> Slot | None:
    """The slot a booking asks for, if the templates offer it and it is still ahead (full or
    not: the caller says why it cannot be booked)."""
    local_day = starts_at.astimezone(clinic_zone(clinic)).date()
    for slot in slots_for(clinic, first=local_day, days=1, now=now, include_full=True):
        if slot.physician_id == physician_id and slot.starts_at == starts_at.astimezone(UTC):
            return slot
    return None
