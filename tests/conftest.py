"""Shared fixtures: the clinic world (one user on each side of every access rule), and the
PostgreSQL gate: under CI=true an unreachable server fails the run; elsewhere it skips, saying
how to run it."""

import os
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import settings as hypothesis_settings

from tests import factories

# CI runs the same examples every time (a failure there is reproducible); locally, fresh ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def _postgres_reachable() -> tuple[bool, str]:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True, url
    except psycopg.Error as error:
        return False, f"{url}: {error}".strip()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SPINEREG_VAR_DIR", os.path.join(os.getcwd(), "var", "test"))
    if os.environ.get("SPINEREG_TEST_POSTGRES") != "1":
        return
    reachable, detail = _postgres_reachable()
    if reachable:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"PostgreSQL is required under CI=true and is unreachable: {detail}"
        )
    config.stash[_SKIP_REASON] = (
        f"PostgreSQL unreachable ({detail}). Start it with "
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` and run "
        "`make test-postgres`."
    )


_SKIP_REASON = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = config.stash.get(_SKIP_REASON, None)
    if reason is None:
        return
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture
def clinic_world(db: None) -> SimpleNamespace:
    """North and South clinics; a user of every role in North, a physician in South, and a
    patient of each clinic (one with a portal account)."""
    north = factories.ClinicFactory(name="North Spine", code="north")
    south = factories.ClinicFactory(name="South Spine", code="south")
    roles = ("coordinator", "physician", "technician", "administrator", "researcher")
    world = SimpleNamespace(north=north, south=south)
    for role in roles:
        setattr(world, role, factories.MembershipFactory(clinic=north, role=role).user)
    world.other = factories.MembershipFactory(clinic=south, role="physician").user
    world.patient = factories.PatientFactory(clinic=north)
    world.patient_user = factories.UserFactory(username="portal-patient")
    world.patient.user = world.patient_user
    world.patient.save()
    world.other_patient = factories.PatientFactory(clinic=south)
    world.today = date(2026, 11, 1)
    return world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords; tests need none of it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _one_follow_up_sender(settings):
    """Sending threads use their own connections, which cannot see a test's uncommitted
    transaction; tests/registry/followup/test_worker_senders.py covers several senders on a
    committed (transactional) database."""
    settings.SPINEREG_WORKER_SENDERS = 1


@pytest.fixture
def signed_consent(clinic_world: SimpleNamespace):
    """North's patient has signed North's current consent (required before a BMAC episode
    gets an index date)."""
    return factories.ConsentSignatureFactory(patient=clinic_world.patient)
