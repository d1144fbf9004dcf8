"""Follow-up links: a signed, expiring token naming one schedule item (and so one patient and one
visit), and the clinic-local dates that decide whether it may still be used.

No password for patients: the link is the credential, so it grants only that visit's
questionnaires. The token is signed with a purpose-specific salt (Django's TimestampSigner), so a
token from any other part of Django can never be replayed here, and it carries its signing time
so that a hard cap applies even if a schedule is later stretched.

A link stays usable for `LINK_GRACE_DAYS` after its window closes (the answers are then kept and
flagged out of window, DOMAIN.md §8), but never into the next visit's window: a late answer there
would belong to that next visit by the date rule, which is not what the patient was asked."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

from spinereg.registry.episodes.models import EpisodeStatus
from spinereg.registry.followup.models import ScheduleItem

LINK_SALT = "spinereg.followup.link"
# Longest window (181 days) + grace, with room to spare: no link outlives this, whatever happens.
LINK_MAX_AGE = timedelta(days=400)
LINK_GRACE_DAYS = 30
# Invitations wait for the morning of the first day of the window, clinic time.
SEND_HOUR = 9


def clinic_zone(timezone_name: str) -> zoneinfo.ZoneInfo:
    """The clinic's zone; an unknown name falls back to UTC rather than failing a send."""
    try:
        return zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def clinic_today(timezone_name: str, now: datetime) -> date:
    """The clinic-local day of an instant: windows are clinic days."""
    return now.astimezone(clinic_zone(timezone_name)).date()


def clinic_morning(day: date, timezone_name: str) -> datetime:
    """`SEND_HOUR` o'clock of a clinic-local day, as an aware instant."""
    return datetime.combine(day, time(SEND_HOUR), tzinfo=clinic_zone(timezone_name))


def valid_until(window_end: date, next_window_start: date | None) -> date:
    """Last clinic day a link may be used: the grace after the window, cut before the next."""
    last = window_end + timedelta(days=LINK_GRACE_DAYS)
    if next_window_start is not None:
        last = min(last, next_window_start - timedelta(days=1))
    return max(last, window_end)


def next_window_start(item: ScheduleItem) -> date | None:
    return (
        ScheduleItem.objects.filter(episode_id=item.episode_id, window_start__gt=item.window_end)
        .order_by("window_start")
        .values_list("window_start", flat=True)
        .first()
    )


def link_token(item_id: int) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(item_id))


@cache
def _link_path() -> tuple[str, str]:
    """The link's path around its token, from the URL conf once (not per message)."""
    path = reverse("portal:start", kwargs={"token": "TOKEN"})
    before, after = path.split("TOKEN")
    return before, after


def link_url(item_id: int) -> str:
    base = str(getattr(settings, "SPINEREG_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    before, after = _link_path()
    return f"{base}{before}{link_token(item_id)}{after}"


class LinkRefusal(StrEnum):
    """Why a link shows a refusal page instead of questionnaires. None of these pages shows
    patient data, and "invalid" does not say whether the item exists."""

    INVALID = "invalid"  # forged, damaged, or naming no item
    EXPIRED = "expired"  # past its last valid day, or past the hard cap
    COMPLETED = "completed"  # already used to the end: "thank you"
    NOT_YET_OPEN = "not_yet_open"  # the window moved later after the link was sent
    CLOSED = "closed"  # the episode is no longer in follow-up (withdrawn, completed)


@dataclass(frozen=True)
class LinkCheck:
    item: ScheduleItem | None
    refusal: LinkRefusal | None
    opens_on: date | None = None


def link_check(token: str, *, now: datetime) -> LinkCheck:
    """Resolve a token to its schedule item, or say why it may not be used."""
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        return LinkCheck(None, LinkRefusal.EXPIRED)
    except signing.BadSignature:
        return LinkCheck(None, LinkRefusal.INVALID)
    if not value.isdigit():
        return LinkCheck(None, LinkRefusal.INVALID)
    item = (
        ScheduleItem.objects.select_related(
            "episode__clinic", "episode__patient__identity", "episode__patient__clinic"
        )
        .filter(pk=int(value))
        .first()
    )
    if item is None:
        return LinkCheck(None, LinkRefusal.INVALID)
    if item.completed_at is not None:
        return LinkCheck(item, LinkRefusal.COMPLETED)
    episode = item.episode
    patient = episode.patient
    if episode.status != EpisodeStatus.ACTIVE or patient.withdrawn_date or patient.deceased_date:
        return LinkCheck(item, LinkRefusal.CLOSED)
    today = clinic_today(episode.clinic.timezone, now)
    if today > valid_until(item.window_end, next_window_start(item)):
        return LinkCheck(item, LinkRefusal.EXPIRED)
    if today < item.window_start:
        return LinkCheck(item, LinkRefusal.NOT_YET_OPEN, opens_on=item.window_start)
    return LinkCheck(item, None)
