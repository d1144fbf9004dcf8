"""The follow-up worker on 100,000 due schedule items: one pass plans an invitation for each and
sends it — the e-mail rendered from its templates in the patient's language, built into a full
MIME message and handed to the e-mail backend, and the row marked sent (with its two reminders
planned) in the same transaction. Target (issue: patient journey): ≤ 60 s on this machine.

    uv run python benchmarks/bench_followup_worker.py [--items 100000] [--postgres] [--serialize]
        [--senders N]

Builds a throwaway database — a SQLite file in a temporary directory (the embedded default of
`make demo`), or with --postgres the database `spinereg_bench_followup` on the local server —
with one clinic, N patients (half English, half Spanish) and N episodes whose 3-month window is
open today, each with the ten visits of the default schedule (10 N schedule items, N of them
due). Only the worker pass is timed. The e-mail backend builds every message's MIME object, as
Django's locmem backend does, and counts it instead of keeping it (100,000 kept messages would
measure memory, not the worker); --serialize also turns each into the bytes the SMTP backend
would write. --senders sets the pass's sending threads (default: the worker's, 4 on PostgreSQL
and 1 on SQLite; 1 shows the single-connection figure). The load average is printed: the
machine is shared, and a busy one is slower."""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "spinereg_bench_followup"
TARGET_S = 60.0


class RenderingEmailBackend:
    """Builds each message's MIME object, as Django's locmem backend does (and with
    --serialize also its bytes, as the SMTP backend does before writing them to the socket),
    then counts it instead of keeping or sending it."""

    serialize = False
    rendered_bytes = 0
    messages = 0
    counting = threading.Lock()  # the pass may send from several threads

    def __init__(self, *args: Any, fail_silently: bool = False, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> "RenderingEmailBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            mime = message.message()
            size = len(mime.as_bytes(linesep="\r\n")) if RenderingEmailBackend.serialize else 0
            with RenderingEmailBackend.counting:
                RenderingEmailBackend.rendered_bytes += size
                RenderingEmailBackend.messages += 1
        return len(messages)


def prepare_database(use_postgres: bool, workdir: Path) -> None:
    if use_postgres:
        url = f"{SERVER}/{NAME}"
        for sql in (f"DROP DATABASE IF EXISTS {NAME}", f"CREATE DATABASE {NAME}"):
            subprocess.run(["psql", f"{SERVER}/postgres", "-qc", sql], check=True)
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SPINEREG_VAR_DIR": str(workdir),
            "SPINEREG_EMAIL_BACKEND": "__main__.RenderingEmailBackend",
            "DJANGO_SETTINGS_MODULE": "spinereg.config.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(items: int) -> None:
    """N patients with identity, N episodes 91 days ago, the ten default visits each, written
    with executemany (the ORM's bulk_create takes minutes for a million items)."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from spinereg.core.schedule import default_schedule, plan
    from spinereg.registry.accounts.models import Clinic
    from spinereg.registry.episodes.models import Episode
    from spinereg.registry.followup.models import ScheduleItem
    from spinereg.registry.patients.models import Patient, PatientIdentity

    clinic = Clinic.objects.create(name="Benchmark Spine Clinic", code="bench")
    today = timezone.localdate()
    index_date = today - timedelta(days=91)  # the 3-month visit's target day is today
    schedule = default_schedule()
    planned = plan(index_date, schedule)
    label = f"{schedule.id}/{schedule.version}"
    answered_at = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(days=60))
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())

    def insert(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        table = model._meta.db_table
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    chunk = 20_000
    item_id = 0
    for start in range(0, items, chunk):
        ids = range(start + 1, min(start + chunk, items) + 1)
        with transaction.atomic():
            insert(
                Patient,
                ["id", "clinic_id", "pseudonym", "sex", "birth_year", "language", "enrolled_date"],
                [
                    (
                        i,
                        clinic.pk,
                        f"B{i:09d}",
                        "female" if i % 2 else "male",
                        1960 + i % 40,
                        "es" if i % 2 else "en",
                        index_date - timedelta(days=60),
                    )
                    for i in ids
                ],
            )
            insert(
                PatientIdentity,
                [
                    "id",
                    "patient_id",
                    "given_name",
                    "family_name",
                    "birth_date",
                    "mrn",
                    "email",
                    "phone",
                    "address",
                    "city",
                    "postal_code",
                ],
                [
                    (
                        i,
                        i,
                        "Ana" if i % 2 else "John",
                        f"Bench{i}",
                        index_date.replace(year=1960 + i % 40),
                        f"M{i:09d}",
                        f"patient{i}@example.org",
                        "",
                        "",
                        "",
                        "",
                    )
                    for i in ids
                ],
            )
            insert(
                Episode,
                [
                    "id",
                    "clinic_id",
                    "patient_id",
                    "kind",
                    "condition",
                    "index_date",
                    "status",
                    "created_at",
                ],
                [(i, clinic.pk, i, "rfa", "facet", index_date, "active", created_at) for i in ids],
            )
            rows = []
            for i in ids:
                for visit in planned:
                    item_id += 1
                    rows.append(
                        (
                            item_id,
                            i,
                            visit.visit.code,
                            visit.target_date,
                            visit.window_start,
                            visit.window_end,
                            json.dumps(list(visit.visit.instruments)),
                            # Earlier visits were answered in clinic.
                            answered_at if visit.window_end < today else None,
                            label,
                        )
                    )
            insert(
                ScheduleItem,
                [
                    "id",
                    "episode_id",
                    "visit",
                    "target_date",
                    "window_start",
                    "window_end",
                    "instruments",
                    "completed_at",
                    "schedule_version",
                ],
                rows,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database has them
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Patient, PatientIdentity, Episode, ScheduleItem]
            ):
                cursor.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="due schedule items")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--serialize", action="store_true", help="also serialise each e-mail to bytes (SMTP)"
    )
    parser.add_argument("--senders", type=int, default=0, help="sending threads (0: default)")
    args = parser.parse_args()
    RenderingEmailBackend.serialize = args.serialize
    with tempfile.TemporaryDirectory(prefix="spinereg-bench-followup-") as workdir:
        started = time.perf_counter()
        prepare_database(args.postgres, Path(workdir))
        load(args.items)
        from django.db import connection

        from spinereg.registry.followup.models import Notification, ScheduleItem
        from spinereg.registry.followup.worker import (
            configured_senders,
            invitations_plan,
            notifications_send_due,
        )

        print(
            f"database: {connection.vendor}; {ScheduleItem.objects.count():,} schedule items, "
            f"{args.items:,} due; set up in {time.perf_counter() - started:.1f} s"
        )
        from django.utils import timezone

        print(f"load average before the pass: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        now = timezone.now()
        started = time.perf_counter()
        planned = invitations_plan(now=now)
        planned_s = time.perf_counter() - started
        senders = args.senders or configured_senders()
        result = notifications_send_due(now=now, senders=senders)
        total_s = time.perf_counter() - started
        result.planned = planned
        sent_rows = Notification.objects.filter(status="sent").count()
        reminders = Notification.objects.filter(kind__startswith="reminder").count()
        assert result.sent_email == args.items == sent_rows, result.summary()
        assert RenderingEmailBackend.messages == args.items
        assert reminders == 2 * args.items
        print(result.summary() + f"; {senders} sending thread(s)")
        print(
            f"plan {planned_s:.1f} s, send {total_s - planned_s:.1f} s"
            + (
                f"; {RenderingEmailBackend.rendered_bytes / args.items:.0f} bytes per e-mail"
                if args.serialize
                else ""
            )
        )
        print(
            f"worker pass: {args.items:,} due items in {total_s:.1f} s "
            f"({args.items / total_s:,.0f} items/s); target ≤ {TARGET_S:.0f} s: "
            f"{'met' if total_s <= TARGET_S else 'NOT met'}"
        )
        connection.close()
    if args.postgres:
        subprocess.run(
            ["psql", f"{SERVER}/postgres", "-qc", f"DROP DATABASE IF EXISTS {NAME}"], check=True
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
