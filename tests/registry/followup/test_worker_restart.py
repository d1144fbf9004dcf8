"""A worker that dies mid-pass and is started again sends every message exactly once: what was
handed to the backend was committed as sent in the same transaction, and what was not is still
pending. The crash is a BaseException raised by the e-mail backend during a hand-off (what a
kill during the SMTP conversation looks like to the worker)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from spinereg.registry.followup.models import Notification, NotificationStatus
from tests.factories import PatientFactory
from tests.registry.followup.helpers import at, day, rfa_episode, run_worker


class WorkerCrash(BaseException):
    """Not an Exception: the worker must not catch it as a failed send."""


class CrashingBackend(EmailBackend):
    """The locmem backend that dies when asked for its (limit + 1)-th message."""

    limit = 0

    def send_messages(self, messages):
        if len(mail.outbox) >= CrashingBackend.limit:
            raise WorkerCrash
        return super().send_messages(messages)


@pytest.fixture
def six_patients(clinic_world):
    patients = [
        clinic_world.patient,
        *(PatientFactory(clinic=clinic_world.north) for _ in range(5)),
    ]
    for patient in patients:
        rfa_episode(clinic_world, patient)
    return patients


def _recipients() -> Counter:
    return Counter((message.to[0], message.subject.split(":")[0]) for message in mail.outbox)


def _crash_after(settings, sent: int, moment) -> None:
    settings.EMAIL_BACKEND = "tests.registry.followup.test_worker_restart.CrashingBackend"
    CrashingBackend.limit = sent
    with pytest.raises(WorkerCrash):
        run_worker(moment)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_restarted_worker_sends_no_invitation_or_reminder_twice(settings, six_patients):
    invited = at(day(10))
    _crash_after(settings, 2, invited)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 2

    restarted = run_worker(invited + timedelta(minutes=1))
    assert restarted.sent == 4
    assert run_worker(invited + timedelta(minutes=2)).sent == 0
    invitations = _recipients()
    assert len(invitations) == 6
    assert set(invitations.values()) == {1}

    # Three days later the reminders: the worker dies again after three of them.
    _crash_after(settings, len(mail.outbox) + 3, invited + timedelta(days=3, minutes=5))
    assert run_worker(invited + timedelta(days=3, minutes=6)).sent == 3
    assert run_worker(invited + timedelta(days=3, minutes=7)).sent == 0
    counts = _recipients()
    assert sum(1 for (_to, kind) in counts if kind == "Reminder") == 6
    assert set(counts.values()) == {1}
    assert len(mail.outbox) == 12
