"""A pass that sends with several threads (PostgreSQL) shares the due rows out by id, sends each
exactly once, and adds up its counts; two such passes at once still send nothing twice.
SQLite has no row locks to share work with, so there a pass sends with one thread whatever is
asked. The threads use their own connections, hence the committed (transactional) database."""

import threading
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from spinereg.registry.followup.models import Notification, NotificationKind, NotificationStatus
from spinereg.registry.followup.worker import (
    configured_senders,
    invitations_plan,
    notifications_send_due,
)
from tests.factories import PatientFactory
from tests.registry.followup.helpers import at, day, rfa_episode

PATIENTS = 13  # not a multiple of the senders: the shares are uneven

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and connections"
)


@pytest.fixture
def due_invitations(transactional_db, clinic_world):
    for _ in range(PATIENTS):
        rfa_episode(clinic_world, PatientFactory(clinic=clinic_world.north))
    moment = at(day(10))
    with time_machine.travel(moment, tick=False):
        assert invitations_plan(now=moment) == PATIENTS
    return moment


def _sent_once() -> None:
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(recipients) == PATIENTS
    assert set(recipients.values()) == {1}
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == PATIENTS
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER_3D).count()
    assert reminders == PATIENTS


@needs_postgres
def test_four_senders_send_every_due_message_once_and_add_up(due_invitations):
    with time_machine.travel(due_invitations, tick=False):
        result = notifications_send_due(now=due_invitations, senders=4)
    assert result.sent_email == PATIENTS
    assert result.busy == 0
    _sent_once()


@needs_postgres
def test_two_passes_at_once_send_nothing_twice(due_invitations):
    results = []
    barrier = threading.Barrier(2)

    def one_pass() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(notifications_send_due(now=due_invitations, senders=3))
        finally:
            connections.close_all()

    with time_machine.travel(due_invitations, tick=False):
        passes = [threading.Thread(target=one_pass) for _ in range(2)]
        for thread in passes:
            thread.start()
        for thread in passes:
            thread.join(timeout=60)
    assert sum(result.sent for result in results) == PATIENTS
    _sent_once()


def test_the_default_is_four_senders_with_row_locks_else_one(settings):
    settings.SPINEREG_WORKER_SENDERS = 0
    expected = 4 if connection.features.has_select_for_update_skip_locked else 1
    assert configured_senders() == expected
    settings.SPINEREG_WORKER_SENDERS = 2
    assert configured_senders() == 2


def test_on_sqlite_a_request_for_several_senders_sends_with_one(due_invitations):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    with time_machine.travel(due_invitations, tick=False):
        result = notifications_send_due(now=due_invitations, senders=4)
    assert result.sent_email == PATIENTS
    _sent_once()
