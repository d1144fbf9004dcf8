"""A patient opens the follow-up link from their e-mail on a phone (390×844), answers the ODI
(stopping halfway and coming back) and the NRS, and sees their own trajectory; the same in
Spanish. Every request stays on the site, and the first page weighs under 100 KB."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from spinereg.registry.followup.services import schedule_definition_load
from spinereg.registry.followup.worker import followup_worker_pass
from spinereg.registry.outcomes.models import QuestionnaireResponse
from spinereg.registry.outcomes.services import response_create
from tests.registry.followup.helpers import item_of, rfa_episode

pytestmark = pytest.mark.browser

# A clinic schedule asking for the ODI and the NRS at every visit.
TRIAL_SCHEDULE = {
    "id": "north-trial",
    "version": "1",
    "visits": [
        {
            "code": code,
            "target_day": target,
            "window_before": before,
            "window_after": after,
            "instruments": ["odi-2.1a", "nrs-pain"],
        }
        for code, target, before, after in (
            ("baseline", 0, 30, 0),
            ("6wk", 42, 7, 7),
            ("3mo", 91, 14, 14),
        )
    ],
}


@pytest.fixture
def invited(transactional_db, clinic_world, live_server, settings):
    """An episode 42 days ago (the 6-week window is open today) with baseline scores entered
    by staff, and the worker's invitation e-mail; returns the link in it."""

    def invite(language: str) -> tuple[str, object]:
        settings.SPINEREG_BASE_URL = live_server.url
        clinic_world.patient.language = language
        clinic_world.patient.save()
        schedule_definition_load(
            clinic=clinic_world.north, data=TRIAL_SCHEDULE, actor=clinic_world.administrator
        )
        today = timezone.localdate()
        episode = rfa_episode(clinic_world, index_date=today - timedelta(days=42))
        baseline_at = datetime.combine(
            episode.index_date - timedelta(days=3), datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=10)
        for instrument_id, answers in (
            ("odi-2.1a", {f"section-{i}": 3 for i in range(1, 11)}),  # ODI 60
            ("nrs-pain", {"nrs": 7}),
        ):
            response_create(
                patient=clinic_world.patient,
                episode=episode,
                instrument_id=instrument_id,
                answers=answers,
                completed_at=baseline_at,
                mode="clinic",
                actor=clinic_world.coordinator,
            )
        mail.outbox.clear()
        result = followup_worker_pass()
        assert result.sent_email == 1, result.summary()
        [link] = re.findall(r"http://\S+/f/\S+/", mail.outbox[0].body)
        return link, episode

    return invite


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def _watch(page: Page, site: str) -> tuple[list[str], dict[str, int]]:
    """Every URL requested, and bytes of HTML, CSS and JS received."""
    requested: list[str] = []
    weights = {"document": 0, "stylesheet": 0, "script": 0}
    page.on("request", lambda request: requested.append(request.url))

    def received(response):
        kind = response.request.resource_type
        if kind in weights:
            weights[kind] += len(response.body())

    page.on("response", received)
    return requested, weights


def _answer_odi(page: Page, sections: range, statement: str) -> None:
    for section in sections:
        page.locator(f"#item-section-{section}").get_by_label(statement, exact=True).check()


def _journey(page: Page, link: str, words: dict[str, str], artifact) -> None:
    requested, weights = _watch(page, link)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["hello"])
    first_load = sum(weights.values())
    assert first_load <= 100_000, weights
    page.get_by_role("link", name=words["start"]).click()

    # The ODI: half of it, then "finish later" — a draft, kept.
    expect(page.locator("#demo-wording")).to_be_visible()
    _answer_odi(page, range(1, 6), words["statement_2"])
    page.get_by_role("button", name=words["later"]).click()
    expect(page.locator("#saved")).to_be_visible()
    page.get_by_role("link", name=words["continue"]).click()
    expect(
        page.locator("#item-section-3").get_by_label(words["statement_2"], exact=True)
    ).to_be_checked()
    _answer_odi(page, range(6, 11), words["statement_2"])
    page.get_by_role("button", name=words["next"]).click()

    # The NRS: one tap on the 0–10 scale.
    expect(page.locator("#item-nrs")).to_be_visible()
    page.locator("#item-nrs").get_by_label("4", exact=True).check()
    page.screenshot(path=artifact.with_name(f"{artifact.stem}-nrs.png"), full_page=True)
    page.get_by_role("button", name=words["next"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    page.wait_for_function(
        "() => { const img = document.getElementById('trajectory');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    expect(page.locator("#scores")).to_contain_text(words["odi_row"])
    page.screenshot(path=artifact, full_page=True)
    site = link.split("/f/")[0]
    assert all(url.startswith(site) or url.startswith("data:") for url in requested), requested


def test_a_patient_answers_on_a_phone_and_sees_the_trajectory(
    phone, invited, clinic_world, artifacts
):
    link, episode = invited("en")
    words = {
        "hello": f"Hello {clinic_world.patient.identity.given_name}",
        "start": "Start",
        "statement_2": "Statement 2",
        "later": "Save and finish later",
        "continue": "Continue",
        "next": "Save and continue",
        "thanks": "Thank you",
        "odi_row": "Disability (ODI, 0–100)20.0",
    }
    _journey(phone, link, words, artifacts / "followup-link-en.png")
    item = item_of(episode, "6wk")
    assert item.completed_at is not None
    stored = {
        r.instrument_id: r.value for r in QuestionnaireResponse.objects.filter(schedule_item=item)
    }
    assert stored == {"odi-2.1a": pytest.approx(20.0), "nrs-pain": 4}


def test_a_spanish_patient_answers_in_spanish(phone, invited, clinic_world, artifacts):
    link, episode = invited("es")
    words = {
        "hello": f"Hola, {clinic_world.patient.identity.given_name}",
        "start": "Empezar",
        "statement_2": "Enunciado 2",
        "later": "Guardar y terminar más tarde",
        "continue": "Continuar",
        "next": "Guardar y continuar",
        "thanks": "Gracias",
        "odi_row": "Discapacidad (ODI, 0–100)20,0",
    }
    assert mail.outbox[0].subject == "Unas preguntas de North Spine"
    _journey(phone, link, words, artifacts / "followup-link-es.png")
    assert item_of(episode, "6wk").completed_at is not None
