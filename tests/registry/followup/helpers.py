"""Shared set-up of the follow-up tests: an episode with index date 1 March 2025 in the North
clinic (UTC), instants on clinic days, the worker run at a frozen time, and the links it sent.

With the default schedule the visits fall on (window start – window end):
baseline 2025-01-30 – 03-01 · 2wk 03-11 – 03-19 · 6wk 04-05 – 04-19 · 3mo 05-17 – 06-14."""

import re
from datetime import UTC, date, datetime, time, timedelta

import time_machine
from django.core import mail

from spinereg.registry.episodes.services import episode_create
from spinereg.registry.followup import sms
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.followup.worker import WorkerPass, followup_worker_pass

INDEX = date(2025, 3, 1)
LINK_PATTERN = re.compile(r"http://testserver(/f/[^/\s]+/)")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def day(offset_days: int) -> date:
    """A day counted from the index date."""
    return INDEX + timedelta(days=offset_days)


def rfa_episode(world, patient=None, index_date: date = INDEX, actor=None):
    """A comparator episode: the same follow-up schedule as BMAC (DESIGN.md), and no consent
    set-up needed for its index date."""
    return episode_create(
        patient=patient or world.patient,
        kind="rfa",
        condition="facet",
        index_date=index_date,
        actor=actor or world.physician,
    )


def item_of(episode, visit: str) -> ScheduleItem:
    return ScheduleItem.objects.get(episode=episode, visit=visit)


def run_worker(moment: datetime) -> WorkerPass:
    """One worker pass with the clock frozen at `moment`."""
    with time_machine.travel(moment, tick=False):
        return followup_worker_pass()


def sent_links() -> list[str]:
    """Paths of the links in every e-mail and text message sent so far."""
    texts = [message.body for message in mail.outbox] + [m.body for m in sms.outbox]
    return [match for text in texts for match in LINK_PATTERN.findall(text)]
