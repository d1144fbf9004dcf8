"""A coordinator enters an NRS and an ODI and sees the score appear before saving."""

import pytest
from playwright.sync_api import Page, expect

from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_score_appears_as_the_form_is_filled(
    page: Page, live_server, transactional_db, clinic_world, artifacts
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(clinic_world.coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/patients/{clinic_world.patient.pk}/")
    page.get_by_role("link", name="Enter a questionnaire").click()
    page.get_by_role("link", name="odi-2.1a").click()
    live = page.locator("#live-score")
    for section in range(1, 9):
        page.locator(f"#item-section-{section} input[value='2']").check()
    expect(live).to_contain_text("Score: 40.0")
    page.locator("#item-section-9 input[value='4']").check()
    expect(live).to_contain_text("Score: 44.4")
    page.screenshot(path=artifacts / "questionnaire-entry.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#saved-status")).to_contain_text("44.4")
    assert QuestionnaireResponse.objects.get().value == pytest.approx(100 * 20 / 45)
