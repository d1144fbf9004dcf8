"""`spinereg worker --once`, `spinereg schedule load|show`: the command line of follow-up."""

import json
import threading

import pytest
import time_machine
from click.testing import CliRunner
from django.core import mail

from spinereg.cli.main import cli
from spinereg.registry.followup.models import ScheduleDefinition
from tests.registry.followup.helpers import at, day, item_of


def test_worker_once_sends_what_is_due_and_prints_counts_only(clinic_world, episode):
    with time_machine.travel(at(day(10)), tick=False):
        result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("planned 1 invitations; sent 1 (e-mail 1, SMS 0)")
    assert clinic_world.patient.identity.email not in result.output
    assert len(mail.outbox) == 1
    with time_machine.travel(at(day(10), hour=11), tick=False):
        again = CliRunner().invoke(cli, ["worker", "--once"])
    assert "sent 0" in again.output
    assert len(mail.outbox) == 1


def test_schedule_load_puts_a_version_in_force(clinic_world, episode, tmp_path):
    path = tmp_path / "north.json"
    path.write_text(
        json.dumps(
            {
                "id": "north",
                "version": "2",
                "visits": [
                    {
                        "code": "3mo",
                        "target_day": 91,
                        "window_before": 14,
                        "window_after": 14,
                        "instruments": ["odi-2.1a", "nrs-pain"],
                    }
                ],
            }
        )
    )
    result = CliRunner().invoke(
        cli, ["schedule", "load", str(path), "--clinic", "north", "--reason", "trial protocol"]
    )
    assert result.exit_code == 0, result.output
    assert "north/2 in force for north; 1 episodes re-planned" in result.output
    assert item_of(episode, "3mo").schedule_version == "north/2"
    shown = CliRunner().invoke(cli, ["schedule", "show", "--clinic", "north"])
    assert shown.output.splitlines()[0] == "north/2"
    assert "3mo" in shown.output
    assert "odi-2.1a, nrs-pain" in shown.output


def test_schedule_load_refuses_in_one_line(clinic_world, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"id": "north", "version": "2", "visits": []}))
    result = CliRunner().invoke(cli, ["schedule", "load", str(path), "--clinic", "north"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: visits:")
    assert "(required)" in result.output
    assert "Traceback" not in result.output
    assert not ScheduleDefinition.objects.exists()


def test_schedule_show_names_an_unknown_clinic(clinic_world):
    result = CliRunner().invoke(cli, ["schedule", "show", "--clinic", "nowhere"])
    assert result.exit_code == 1
    assert "Error: clinic: no clinic with code 'nowhere' (exists)" in result.output


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_sends_from_a_thread_of_the_server(clinic_world):
    """What `spinereg serve` starts: a daemon thread running passes until stopped."""
    from spinereg.registry.followup.worker import EmbeddedWorker
    from tests.registry.followup.helpers import rfa_episode

    rfa_episode(clinic_world)
    with time_machine.travel(at(day(10)), tick=False):
        worker = EmbeddedWorker(interval_seconds=0.05)
        worker.start()
        try:
            for _ in range(400):  # wait for the first pass, at most ~20 s
                if mail.outbox:
                    break
                threading.Event().wait(0.05)
        finally:
            worker.stop(timeout=10)
    assert not worker.is_alive()
    assert len(mail.outbox) == 1
