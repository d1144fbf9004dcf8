"""A coordinator signs in, filters the patient list, opens a timeline and sees the score plot."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.factories import PASSWORD, EpisodeFactory, PatientFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def populated(transactional_db, clinic_world):
    bmac = EpisodeFactory(patient=clinic_world.patient, kind="bmac", condition="discogenic")
    for month, value in ((1, 56.0), (5, 30.0), (8, 26.0)):
        QuestionnaireResponse.objects.create(
            patient=clinic_world.patient,
            episode=bmac,
            instrument_id="odi-2.1a",
            instrument_version="2.1a",
            answers={},
            value=value,
            scoring_version="1.0",
            mode="web",
            completed_at=datetime(2025, month, 1, tzinfo=UTC),
        )
    for _ in range(3):
        EpisodeFactory(
            patient=PatientFactory(clinic=clinic_world.north), kind="rfa", condition="facet"
        )
    return clinic_world


def test_a_coordinator_finds_a_patient_and_sees_the_score_plot(
    page: Page, live_server, populated, artifacts
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(populated.coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("4 patients")

    page.get_by_label("Treatment").select_option("bmac")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#result-count")).to_have_text("1 patient")

    name = populated.patient.identity.family_name
    page.get_by_role("link", name=f"{name}, {populated.patient.identity.given_name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(populated.patient.pseudonym)
    plot = page.locator("#score-plot")
    expect(plot).to_be_visible()
    page.wait_for_function(
        "() => { const img = document.getElementById('score-plot');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    page.screenshot(path=artifacts / "staff-timeline.png", full_page=True)
