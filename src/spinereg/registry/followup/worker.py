"""The follow-up worker: plans an invitation for every visit whose window has opened, then sends
every message that is due — invitations, the reminders 3 and 7 days after them, and staff
resends — by e-mail or SMS.

Idempotent by construction. Each message is one outbox row, unique per (item, kind, sequence).
The worker locks the row (FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the
work; SQLite serialises writers), re-checks it is still pending and its visit not completed,
hands the message to the backend and marks the row sent in the same transaction. A restarted
worker therefore finds every committed message sent and never sends it again; the only window
for a repeat is a crash between the backend accepting a message and the commit of that one
row, which no outbox can close without the provider's help.

On PostgreSQL a pass may send with several threads (`senders`, setting
SPINEREG_WORKER_SENDERS): each takes the rows whose id falls in its share (id mod n) and
commits each row on its own connection, so the commits, which wait on the disk, overlap, and
the database flushes several in one write. The guarantee above holds for each row unchanged.
SQLite serialises writers, so it always sends with one.

The same pass runs from `spinereg worker` (a loop, or --once) and from a thread embedded in
`spinereg serve`, so the demo needs no extra server."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Mod
from django.utils import timezone

from spinereg.registry.accounts.models import Clinic
from spinereg.registry.episodes.models import EpisodeStatus
from spinereg.registry.followup.links import (
    clinic_morning,
    clinic_today,
    link_url,
    valid_until,
)
from spinereg.registry.followup.messages import destination, email_message, sms_message
from spinereg.registry.followup.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    ScheduleItem,
)
from spinereg.registry.followup.selectors import next_window_start_subquery
from spinereg.registry.followup.services import REMINDER_DAYS
from spinereg.registry.followup.sms import BaseSmsBackend, sms_backend

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)  # doubled after each failed attempt


@dataclass
class WorkerPass:
    """Counts of one pass; never any patient data, so it may be printed and logged."""

    planned: int = 0
    sent_email: int = 0
    sent_sms: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    postponed: int = 0
    busy: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return self.sent_email + self.sent_sms

    def add(self, other: "WorkerPass") -> None:
        """Fold in the counts of another sender's share of the pass."""
        for name in ("planned", "sent_email", "sent_sms", "skipped", "failed", "retried",
                     "postponed", "busy"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.skipped_reasons.items():
            self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + count

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped_reasons.items()))
        return (
            f"planned {self.planned} invitations; sent {self.sent} (e-mail {self.sent_email}, "
            f"SMS {self.sent_sms}); not sent {self.skipped}"
            + (f" ({reasons})" if reasons else "")
            + f"; failed {self.failed}; retry later {self.retried}"
        )


class _Statements:
    """The statements run for every message, as plain SQL built once from the models' table
    and column names. Through the ORM they cost more than rendering and sending the
    message itself (queryset building dominates at 100,000 messages a pass); the rare paths
    (skip, retry, postpone) stay ORM. ON CONFLICT DO NOTHING is SQLite (≥ 3.24) and
    PostgreSQL alike; the row lock is PostgreSQL's FOR UPDATE SKIP LOCKED, so several workers
    share the outbox without waiting on each other, while SQLite serialises writers."""

    def __init__(self) -> None:
        outbox = Notification._meta.db_table
        items = ScheduleItem._meta.db_table
        lock = (
            " FOR UPDATE OF n SKIP LOCKED"
            if connection.features.has_select_for_update_skip_locked
            and connection.features.has_select_for_update_of
            else ""
        )
        self.claim = (
            f"SELECT i.completed_at FROM {outbox} n JOIN {items} i ON i.id = n.schedule_item_id "
            f"WHERE n.id = %s AND n.status = %s{lock}"
        )
        self.mark_sent = (
            f"UPDATE {outbox} SET status = %s, sent_at = %s, channel = %s, "
            "attempts = attempts + 1, outcome = '' WHERE id = %s"
        )
        columns = (
            "schedule_item_id, kind, sequence, status, send_after, channel, sent_at, attempts, "
            "outcome, requested_by_id, created_at"
        )
        self.plan_invitation = (
            f"INSERT INTO {outbox} ({columns}) VALUES (%s, %s, 0, %s, %s, '', NULL, 0, '', "
            "NULL, %s) ON CONFLICT DO NOTHING"
        )
        self.plan_reminders = (
            f"INSERT INTO {outbox} ({columns}) VALUES "
            + ", ".join(["(%s, %s, 0, %s, %s, '', NULL, 0, '', NULL, %s)"] * len(REMINDER_DAYS))
            + " ON CONFLICT DO NOTHING"
        )


def invitations_plan(*, now: datetime) -> int:
    """Create the invitation row of every visit whose window is open today (clinic time), not
    completed, of a patient still in follow-up, that has none yet. Items may come from
    `schedule_plan` or from a bulk load: the outbox is planned from the items, not from who
    wrote them. The unique row makes a second run a no-op."""
    planned = 0
    sql = _Statements()
    for clinic in Clinic.objects.only("pk", "timezone"):
        today = clinic_today(clinic.timezone, now)
        opens_today_at = clinic_morning(today, clinic.timezone)
        items = (
            ScheduleItem.objects.filter(
                episode__clinic_id=clinic.pk,
                episode__status=EpisodeStatus.ACTIVE,
                episode__patient__withdrawn_date__isnull=True,
                episode__patient__deceased_date__isnull=True,
                completed_at__isnull=True,
                window_start__lte=today,
                window_end__gte=today,
            )
            .exclude(
                Exists(
                    Notification.objects.filter(
                        schedule_item=OuterRef("pk"), kind=NotificationKind.INVITATION
                    )
                )
            )
            .order_by()
            .values_list("pk", "window_start")
        )
        adapt = connection.ops.adapt_datetimefield_value
        due_now, due_morning, created = (
            adapt(now),
            adapt(max(now, opens_today_at)),
            adapt(timezone.now()),
        )
        rows = [
            # The morning the window opens; a window that opened earlier is due now.
            (
                pk,
                NotificationKind.INVITATION.value,
                NotificationStatus.PENDING.value,
                due_morning if window_start == today else due_now,
                created,
            )
            for pk, window_start in items
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql.plan_invitation, rows)
        planned += len(rows)
    return planned


class DueRow(NamedTuple):
    """What sending one outbox row needs, read for a whole batch in one query."""

    pk: int
    kind: str
    attempts: int
    item_id: int
    window_start: date
    window_end: date
    next_window_start: date | None
    episode_status: str
    language: str
    withdrawn_date: date | None
    deceased_date: date | None
    clinic_name: str
    clinic_timezone: str
    given_name: str | None
    email: str | None
    phone: str | None
    channel: str | None


Shard = tuple[int, int]  # (this sender, number of senders): rows with id mod n == this


def _due_rows(
    now: datetime, limit: int, passed_over: set[int], shard: Shard | None = None
) -> list[DueRow]:
    """The next due rows, oldest first: the (status, send_after) index gives them in order,
    so the database stops after `limit` rows instead of sorting every pending one."""
    due = Notification.objects.filter(status=NotificationStatus.PENDING, send_after__lte=now)
    if shard is not None:
        due = due.alias(shard=Mod("pk", shard[1])).filter(shard=shard[0])
    rows = (
        due.exclude(pk__in=passed_over)
        .order_by("send_after", "pk")
        .annotate(next_window_start=next_window_start_subquery("schedule_item__"))
        .values_list(
            "pk",
            "kind",
            "attempts",
            "schedule_item_id",
            "schedule_item__window_start",
            "schedule_item__window_end",
            "next_window_start",
            "schedule_item__episode__status",
            "schedule_item__episode__patient__language",
            "schedule_item__episode__patient__withdrawn_date",
            "schedule_item__episode__patient__deceased_date",
            "schedule_item__episode__clinic__name",
            "schedule_item__episode__clinic__timezone",
            "schedule_item__episode__patient__identity__given_name",
            "schedule_item__episode__patient__identity__email",
            "schedule_item__episode__patient__identity__phone",
            "schedule_item__episode__patient__contact_preference__channel",
        )[:limit]
    )
    return [DueRow(*row) for row in rows]


class _Sender:
    """Holds the backends of one pass and sends one row at a time, each in its own
    transaction: lock the row, re-check it, hand it over, mark it sent, commit."""

    def __init__(self, *, now: datetime, result: WorkerPass, sms: BaseSmsBackend, email: Any):
        self.now = now
        self.result = result
        self.sms = sms
        self.email = email
        self.sql = _Statements()
        self.adapt = connection.ops.adapt_datetimefield_value
        self.today_in: dict[str, date] = {}  # clinic time zone → today there

    def today(self, timezone_name: str) -> date:
        if timezone_name not in self.today_in:
            self.today_in[timezone_name] = clinic_today(timezone_name, self.now)
        return self.today_in[timezone_name]

    def skip(self, pk: int, reason: str) -> None:
        Notification.objects.filter(pk=pk).update(status=NotificationStatus.SKIPPED, outcome=reason)
        self.result.skipped += 1
        self.result.skipped_reasons[reason] = self.result.skipped_reasons.get(reason, 0) + 1

    def fail(self, row: DueRow, error: BaseException) -> None:
        attempts = row.attempts + 1
        outcome = type(error).__name__[:40]
        # Only the error's class and the row id reach the log: messages may echo addresses.
        logger.warning("follow-up message %s failed (%s), attempt %s", row.pk, outcome, attempts)
        if attempts >= MAX_ATTEMPTS:
            Notification.objects.filter(pk=row.pk).update(
                status=NotificationStatus.FAILED, attempts=attempts, outcome=outcome
            )
            self.result.failed += 1
            return
        Notification.objects.filter(pk=row.pk).update(
            attempts=attempts,
            outcome=outcome,
            send_after=self.now + RETRY_AFTER * 2 ** (attempts - 1),
        )
        self.result.retried += 1

    def send(self, row: DueRow) -> bool:
        """Handle one row; False when another worker holds it (or just sent it)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(self.sql.claim, [row.pk, NotificationStatus.PENDING.value])
            claimed = cursor.fetchone()
            if claimed is None:
                self.result.busy += 1
                return False
            self._send_claimed(row, completed=claimed[0] is not None, cursor=cursor)
        return True

    def _skip_reason(self, row: DueRow, completed: bool, today: date, last_day: date) -> str:
        if completed:
            return "completed"
        if row.episode_status != EpisodeStatus.ACTIVE:
            return "episode_inactive"
        if row.withdrawn_date is not None or row.deceased_date is not None:
            return "withdrawn"
        if today > last_day:
            return "link_expired"
        return ""

    def _send_claimed(self, row: DueRow, *, completed: bool, cursor: Any) -> None:
        today = self.today(row.clinic_timezone)
        last_day = valid_until(row.window_end, row.next_window_start)
        reason = self._skip_reason(row, completed, today, last_day)
        if reason:
            self.skip(row.pk, reason)
            return
        if today < row.window_start:  # the window moved later after this row was planned
            Notification.objects.filter(pk=row.pk).update(
                send_after=clinic_morning(row.window_start, row.clinic_timezone)
            )
            self.result.postponed += 1
            return
        target = destination(
            preference=row.channel or Channel.EMAIL,
            email=row.email or "",
            phone=row.phone or "",
        )
        if target is None:
            self.skip(row.pk, "no_contact")
            return
        link = link_url(row.item_id)
        try:
            if target.channel == Channel.SMS:
                accepted = self.sms.send_messages(
                    [sms_message(to=target.address, clinic_name=row.clinic_name, link=link)]
                )
            else:
                message = email_message(
                    kind=row.kind,
                    to=target.address,
                    first_name=row.given_name or "",
                    clinic_name=row.clinic_name,
                    link=link,
                    valid_until=last_day,
                    language=row.language,
                )
                accepted = self.email.send_messages([message])
            if not accepted:
                raise RuntimeError("backend accepted no message")
        except Exception as error:
            self.fail(row, error)
            return
        sent_at = timezone.now()
        sent_at_value = self.adapt(sent_at)
        cursor.execute(
            self.sql.mark_sent,
            [NotificationStatus.SENT.value, sent_at_value, target.channel, row.pk],
        )
        if row.kind == NotificationKind.INVITATION:
            values: list[Any] = []
            for kind, days in REMINDER_DAYS.items():
                values += [
                    row.item_id,
                    kind.value,
                    NotificationStatus.PENDING.value,
                    self.adapt(sent_at + timedelta(days=days)),
                    sent_at_value,
                ]
            cursor.execute(self.sql.plan_reminders, values)
        if target.channel == Channel.SMS:
            self.result.sent_sms += 1
        else:
            self.result.sent_email += 1


def notifications_send_due(
    *,
    now: datetime,
    result: WorkerPass | None = None,
    batch_size: int = BATCH_SIZE,
    senders: int = 1,
) -> WorkerPass:
    """Send every pending message due by `now`, oldest first, one transaction each. A handled
    row leaves the due set (sent, not sent, or due again later); a row another worker holds is
    passed over for the rest of this pass. With `senders` > 1 (PostgreSQL only) the rows are
    shared out by id among that many threads, each on its own connection."""
    result = result or WorkerPass()
    if senders <= 1 or not connection.features.has_select_for_update_skip_locked:
        _send_share(now, result, batch_size, shard=None)
        return result
    shares = [WorkerPass() for _ in range(senders)]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            _send_share(now, shares[index], batch_size, shard=(index, senders))
        except BaseException as error:  # re-raised in the caller's thread below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=run, args=(index,), name=f"spinereg-followup-sender-{index}")
        for index in range(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for share in shares:
        result.add(share)
    if errors:
        raise errors[0]
    return result


def _send_share(now: datetime, result: WorkerPass, batch_size: int, shard: Shard | None) -> None:
    sender = _Sender(now=now, result=result, sms=sms_backend(), email=get_connection())
    passed_over: set[int] = set()
    with sender.email:
        while rows := _due_rows(now, batch_size, passed_over, shard):
            for row in rows:
                if not sender.send(row):
                    passed_over.add(row.pk)


def configured_senders() -> int:
    """SPINEREG_WORKER_SENDERS, or 4 on a database that can share rows (PostgreSQL), else 1."""
    configured = getattr(settings, "SPINEREG_WORKER_SENDERS", None)
    if configured:
        return max(1, int(configured))
    return 4 if connection.features.has_select_for_update_skip_locked else 1


def followup_worker_pass(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, senders: int = 1
) -> WorkerPass:
    """One pass: plan the invitations of windows that opened, then send what is due."""
    now = now or timezone.now()
    result = WorkerPass(planned=invitations_plan(now=now))
    return notifications_send_due(now=now, result=result, batch_size=batch_size, senders=senders)


def worker_loop(
    *,
    interval_seconds: float,
    stop: threading.Event,
    on_pass: Callable[[WorkerPass], None] | None = None,
    once: bool = False,
) -> None:
    """Run passes until `stop` is set (or once). A failed pass is logged by its error class
    and retried at the next interval; the database connection is closed between passes so a
    restarted database is picked up."""
    senders = configured_senders()
    while not stop.is_set():
        try:
            result = followup_worker_pass(senders=senders)
        except Exception as error:
            if once:
                raise
            logger.error("follow-up worker pass failed: %s", type(error).__name__)
        else:
            if on_pass is not None:
                on_pass(result)
        if once:
            return
        connections.close_all()
        stop.wait(interval_seconds)


class EmbeddedWorker(threading.Thread):
    """The worker as a daemon thread of the web server process (`spinereg serve`)."""

    def __init__(
        self,
        interval_seconds: float = 30.0,
        on_pass: Callable[[WorkerPass], None] | None = None,
    ) -> None:
        super().__init__(name="spinereg-followup-worker", daemon=True)
        self.interval_seconds = interval_seconds
        self.on_pass = on_pass
        self.stop_event = threading.Event()

    def run(self) -> None:
        worker_loop(
            interval_seconds=self.interval_seconds, stop=self.stop_event, on_pass=self.on_pass
        )

    def stop(self, timeout: float | None = None) -> None:
        self.stop_event.set()
        self.join(timeout)
