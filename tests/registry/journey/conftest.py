"""Fixtures of the journey tests: weekday consultation hours at North, e-mail in memory."""

import pytest

from tests.registry.journey.helpers import weekday_hours


@pytest.fixture
def bookable(clinic_world, mailoutbox):
    weekday_hours(clinic_world)
    return clinic_world


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what waits for the commit (e-mails) when the block ends, as a real commit would."""
    return django_capture_on_commit_callbacks
