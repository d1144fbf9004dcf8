"""`spinereg worker`, `spinereg serve` and `spinereg schedule`: the follow-up worker (a loop, or
one pass with --once), the web server with the worker embedded as a thread (so the demo needs
no second process), and a clinic's follow-up schedule definition (load a new version, show the
one in force)."""

import json
import threading
from pathlib import Path

import click

from spinereg.cli.main import clean_errors, setup_django


@click.command()
@click.option("--once", is_flag=True, help="Run one pass and exit (cron, tests).")
@click.option(
    "--interval",
    "interval_seconds",
    default=30.0,
    show_default=True,
    help="Seconds between passes.",
)
@clean_errors
def worker(once: bool, interval_seconds: float) -> None:
    """Send follow-up invitations and reminders that are due. Safe to restart at any time and
    to run in several processes: a message is never sent twice."""
    setup_django()
    from spinereg.registry.followup.worker import worker_loop

    stop = threading.Event()
    try:
        worker_loop(
            interval_seconds=interval_seconds,
            stop=stop,
            once=once,
            on_pass=lambda result: click.echo(result.summary()),
        )
    except KeyboardInterrupt:
        stop.set()


@click.command()
@click.argument("addrport", default="127.0.0.1:8000")
@click.option(
    "--interval",
    "interval_seconds",
    default=30.0,
    show_default=True,
    help="Seconds between passes of the embedded follow-up worker.",
)
@click.option("--no-worker", is_flag=True, help="Serve without the embedded worker.")
def serve(addrport: str, interval_seconds: float, no_worker: bool) -> None:
    """Serve the site (Django's development server, no auto-reload) with the follow-up worker
    running as a thread of the same process."""
    setup_django()
    from django.core.management import call_command

    from spinereg.registry.followup.worker import EmbeddedWorker, WorkerPass

    def report(result: WorkerPass) -> None:
        if result.planned or result.sent or result.skipped or result.failed or result.retried:
            click.echo(f"follow-up worker: {result.summary()}")

    embedded = None if no_worker else EmbeddedWorker(interval_seconds, on_pass=report)
    if embedded is not None:
        embedded.start()
        click.echo(f"follow-up worker: a pass every {interval_seconds:g} s")
    try:
        call_command("runserver", addrport, use_reloader=False)
    finally:
        if embedded is not None:
            embedded.stop(timeout=5)


@click.group()
def schedule() -> None:
    """A clinic's follow-up schedule: load a new version, show the one in force."""


@schedule.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clinic", "clinic_code", required=True, help="Clinic code.")
@click.option("--reason", default="", help="Why the schedule changes (kept in the audit log).")
@clean_errors
def schedule_load(file: Path, clinic_code: str, reason: str) -> None:
    """Put a schedule definition (JSON, the shape of core/data/schedule_default.json) in force
    for a clinic and re-plan its episodes."""
    setup_django()
    from spinereg.registry.accounts.models import Clinic
    from spinereg.registry.followup.services import schedule_definition_load

    clinic = Clinic.objects.filter(code=clinic_code).first()
    if clinic is None:
        raise click.ClickException(f"clinic: no clinic with code {clinic_code!r} (exists)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"definition: not JSON: {error} (json)") from None
    definition = schedule_definition_load(clinic=clinic, data=data, actor=None, reason=reason)
    click.echo(
        f"{definition.schedule_id}/{definition.version} in force for {clinic.code}; "
        f"{clinic.episodes.filter(index_date__isnull=False).count()} episodes re-planned"
    )


@schedule.command("show")
@click.option("--clinic", "clinic_code", required=True, help="Clinic code.")
@clean_errors
def schedule_show(clinic_code: str) -> None:
    """The visits of the schedule in force: code, target day, window and instruments."""
    setup_django()
    from spinereg.registry.accounts.models import Clinic
    from spinereg.registry.followup.selectors import clinic_schedule, schedule_label

    clinic = Clinic.objects.filter(code=clinic_code).first()
    if clinic is None:
        raise click.ClickException(f"clinic: no clinic with code {clinic_code!r} (exists)")
    in_force = clinic_schedule(clinic.pk)
    click.echo(schedule_label(in_force))
    for visit in in_force.visits:
        click.echo(
            f"{visit.code:<10} day {visit.target_day:>5}  window {visit.first_day:>5} to "
            f"{visit.last_day:>5}  {', '.join(visit.instruments)}"
        )
