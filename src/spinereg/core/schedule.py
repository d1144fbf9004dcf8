"""Follow-up schedules: visits, their windows around the index date, and each item's status.
The schedule is data (a versioned JSON definition), so a clinic changes it without code."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

from spinereg.core.errors import RuleViolation


class ItemStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Visit:
    code: str
    target_day: int
    window_before: int
    window_after: int
    instruments: tuple[str, ...]

    @property
    def first_day(self) -> int:
        return self.target_day - self.window_before

    @property
    def last_day(self) -> int:
        return self.target_day + self.window_after


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    version: str
    visits: tuple[Visit, ...]

    def visit_for_day(self, day: int) -> Visit | None:
        """The visit whose window holds `day` (days from index), or None: out of window."""
        for visit in self.visits:
            if visit.first_day <= day <= visit.last_day:
                return visit
        return None


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    visit: Visit
    target_date: date
    window_start: date
    window_end: date


def schedule_from_dict(data: dict[str, Any]) -> Schedule:
    """Build and check a schedule: windows must be ordered and must never overlap, because a
    response has to belong to exactly one visit (DOMAIN.md §8)."""
    visits = tuple(
        Visit(
            code=str(v["code"]),
            target_day=int(v["target_day"]),
            window_before=int(v["window_before"]),
            window_after=int(v["window_after"]),
            instruments=tuple(v["instruments"]),
        )
        for v in data["visits"]
    )
    for position, visit in enumerate(visits):
        if visit.window_before < 0 or visit.window_after < 0:
            raise RuleViolation(
                field=f"visits.{position}",
                rule="window_non_negative",
                message=f"visit {visit.code} has a negative window",
            )
        if position and visit.first_day <= visits[position - 1].last_day:
            raise RuleViolation(
                field=f"visits.{position}",
                rule="windows_do_not_overlap",
                message=f"visit {visit.code} starts on day {visit.first_day}, inside the window "
                f"of {visits[position - 1].code} (ends day {visits[position - 1].last_day})",
            )
    return Schedule(id=str(data["id"]), version=str(data["version"]), visits=visits)


def default_schedule() -> Schedule:
    text = resources.files("spinereg.core.data").joinpath("schedule_default.json").read_text()
    return schedule_from_dict(json.loads(text))


def plan(index_date: date, schedule: Schedule) -> list[PlannedVisit]:
    return [
        PlannedVisit(
            visit=visit,
            target_date=index_date + timedelta(days=visit.target_day),
            window_start=index_date + timedelta(days=visit.first_day),
            window_end=index_date + timedelta(days=visit.last_day),
        )
        for visit in schedule.visits
    ]


def item_status(
    *, window_start: date, target_date: date, window_end: date, completed: bool, today: date
) -> ItemStatus:
    """Upcoming before the window opens; due until the target day; overdue until the window
    closes; missed after it. Completion wins over all of them."""
    if completed:
        return ItemStatus.COMPLETED
    if today < window_start:
        return ItemStatus.UPCOMING
    if today <= target_date:
        return ItemStatus.DUE
    if today <= window_end:
        return ItemStatus.OVERDUE
    return ItemStatus.MISSED


def visit_codes(schedule: Schedule) -> Sequence[str]:
    return [visit.code for visit in schedule.visits]
