"""Fixtures of the procedure-day tests: the clinic world with the example protocol."""

import pytest

from tests.registry.procedures.helpers import protocol_for


@pytest.fixture
def protocol(clinic_world):
    return protocol_for(clinic_world)
