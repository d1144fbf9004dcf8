"""Public-page tests run on a frozen clock (Monday 2 November 2026, 08:00 UTC) with North's
physician seeing people on weekday mornings."""

import pytest
import time_machine

from tests.registry.journey.helpers import NOW, weekday_hours


@pytest.fixture
def bookable(clinic_world, mailoutbox):
    weekday_hours(clinic_world)
    with time_machine.travel(NOW, tick=False):
        yield clinic_world
