"""A new visitor, on a phone-sized screen, reads what BMAC is, requests a consultation (the
time chosen with the keyboard), answers the pre-screen and sees the candidacy result with its
reasons. A second visitor reporting a red flag is told to seek medical care now."""

from datetime import date, time

import pytest
from playwright.sync_api import Page, expect

from spinereg.registry.instruments.services import licensed_text_load
from spinereg.registry.journey.models import AvailabilityTemplate, Booking, Prescreen
from tests.registry.test_licensed_text import overlay_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def clinic_open(transactional_db, clinic_world):
    """North takes bookings every day (the live server runs on the real clock) and has loaded
    its licensed ODI wording (placeholder text here, never the licensed text)."""
    for weekday in range(7):
        AvailabilityTemplate.objects.create(
            clinic=clinic_world.north,
            physician=clinic_world.physician,
            weekday=weekday,
            start_time=time(0, 0),
            end_time=time(23, 30),
            slot_minutes=30,
            valid_from=date(2020, 1, 1),
        )
    licensed_text_load(clinic=clinic_world.north, overlay=overlay_for("odi-2.1a"), actor=None)
    return clinic_world


def _answer(page: Page, question: str, answer: str) -> None:
    page.locator(f"fieldset#{question}").get_by_label(answer, exact=True).check()


def _request_consultation(page: Page, url: str, email: str, artifacts=None) -> None:
    page.goto(f"{url}/bmac/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("what it is and what it is not")
    page.get_by_role("link", name="Request a consultation").first.click()
    page.get_by_role("link", name="North Spine").click()
    first_slot = page.locator("input[name=slot]").first
    first_slot.focus()
    page.keyboard.press("Space")
    expect(first_slot).to_be_checked()
    page.get_by_label("Given name").fill("Ana")
    page.get_by_label("Family name").fill("Núñez")
    page.get_by_label("Date of birth").fill("1981-05-20")
    page.get_by_label("E-mail").fill(email)
    if artifacts is not None:
        page.screenshot(path=artifacts / "booking-journey-request.png", full_page=True)
    page.get_by_role("button", name="Request this consultation").click()
    expect(page.get_by_role("status")).to_contain_text("Your consultation is booked")


def _pre_screen(page: Page, artifacts=None, **red_flags: str) -> None:
    page.get_by_role("link", name="Answer the pre-screen").click()
    for question in (
        "fever_or_infection",
        "cancer_recent",
        "bowel_bladder_change",
        "progressive_weakness",
        "unexplained_weight_loss",
        "anticoagulants",
        "pregnant_or_breastfeeding",
    ):
        _answer(page, question, red_flags.get(question, "No"))
    _answer(page, "pain_location", "Lower back")
    page.get_by_label("How many months has this pain lasted?").fill("14")
    _answer(page, "pain_predominance", "My back")
    page.get_by_label("For how many months have you tried physical therapy").fill("9")
    _answer(page, "physical_therapy", "Yes")
    _answer(page, "epidural_done", "Yes")
    _answer(page, "epidural_relief_percent", "A little (about a quarter)")
    page.get_by_label("Epidural steroid injection: for how many weeks did it help?").fill("3")
    for question in ("facet_block_done", "rfa_done", "spine_surgery", "disc_cell_therapy"):
        _answer(page, question, "No")
    _answer(page, "mri_done", "Yes")
    _answer(page, "nrs", "7")
    for section in range(1, 11):
        page.locator(f"fieldset#section-{section} input[value='2']").check()
    if artifacts is not None:
        page.screenshot(path=artifacts / "booking-journey-prescreen.png", full_page=True)
    page.get_by_role("button", name="Send my answers").click()


def test_a_new_visitor_books_answers_and_sees_the_result_with_reasons(
    page: Page, live_server, clinic_open, artifacts
):
    page.set_viewport_size(PHONE)
    _request_consultation(page, live_server.url, "ana@example.org", artifacts)
    _pre_screen(page, artifacts)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your pre-screen result")
    expect(page.locator("#outcome")).to_contain_text("You may be a candidate")
    reasons = page.locator("#reasons-fit li")
    expect(reasons).to_have_count(21)  # every evaluated rule met (3 do not apply)
    expect(page.locator("#reasons-fit")).to_contain_text(
        "Your average pain is 4 or more out of 10."
    )
    expect(page.get_by_text("not a promise of benefit")).to_be_visible()
    page.screenshot(path=artifacts / "booking-journey-result.png", full_page=True)
    prescreen = Prescreen.objects.get()
    assert prescreen.outcome == "likely_candidate"
    assert prescreen.odi_response.value == pytest.approx(40.0)
    assert Booking.objects.get().patient.identity.family_name == "Núñez"


def test_a_red_flag_tells_the_visitor_to_seek_care_now(
    page: Page, live_server, clinic_open, artifacts
):
    page.set_viewport_size(PHONE)
    _request_consultation(page, live_server.url, "ben@example.org")
    _pre_screen(page, bowel_bladder_change="Yes")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Seek medical care now")
    expect(alert).to_contain_text("The clinic has been alerted.")
    expect(page.locator("#outcome")).to_contain_text("not suitable for you at this time")
    expect(page.locator("#reasons-against")).to_contain_text("bowel or bladder")
    page.screenshot(path=artifacts / "booking-journey-red-flag.png", full_page=True)
