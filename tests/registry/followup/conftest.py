"""Fixtures of the follow-up tests: e-mail in memory (pytest-django's locmem outbox), text
messages in memory, links on http://testserver, and an RFA episode of the North patient."""

import pytest

from spinereg.registry.followup import sms
from tests.registry.followup.helpers import rfa_episode


@pytest.fixture(autouse=True)
def _followup_settings(settings):
    settings.SPINEREG_BASE_URL = "http://testserver"
    settings.SPINEREG_SMS_BACKEND = "spinereg.registry.followup.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def episode(clinic_world):
    return rfa_episode(clinic_world)
