"""The public patient evidence page in English and Spanish, in a real browser."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from spinereg.registry.evidence.services import literature_load
from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.browser

PACKAGED_CSV = (
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)


@pytest.fixture
def evidence_world(transactional_db, clinic_world):
    literature_load(
        PACKAGED_CSV.read_text(encoding="utf-8"), actor=clinic_world.researcher, reason="seed"
    )
    for baseline, month12 in ((56.0, 30.0), (48.0, 45.0), (62.0, 40.0)):
        patient = PatientFactory(clinic=clinic_world.north)
        episode = EpisodeFactory(patient=patient, kind="bmac", condition="discogenic")
        for timepoint, value in (("baseline", baseline), ("12mo", month12)):
            QuestionnaireResponse.objects.create(
                patient=patient, episode=episode, instrument_id="odi-2.1a",
                instrument_version="2.1a", answers={}, value=value, scoring_version="1.0",
                timepoint=timepoint, mode="web", completed_at=datetime(2025, 6, 1, tzinfo=UTC),
            )  # fmt: skip
    return clinic_world


def test_the_evidence_page_in_english_then_spanish(
    page: Page, live_server, evidence_world, artifacts
):
    external: list[str] = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    page.goto(f"{live_server.url}/evidence/?clinic=north&lang=en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("what the research shows")
    expect(page.locator("main")).to_contain_text("It is investigational")
    expect(page.locator("main")).to_contain_text("not a promise")
    expect(page.locator("main")).to_contain_text("Results at North Spine")
    results = page.get_by_role("table", name="How much back pain limits daily life")
    expect(results.get_by_role("row").nth(1)).to_have_text(
        "12 months317 points better67 out of 100 (likely 21 to 94)"
    )
    page.screenshot(path=artifacts / "evidence-page-en.png", full_page=True)

    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(f"{live_server.url}/evidence/?clinic=north&lang=es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("lo que muestra la investigación")
    expect(page.locator("main")).to_contain_text("no es una promesa")
    expect(page.locator("main")).to_contain_text("Resultados en North Spine")
    spanish = page.get_by_role("table", name="Cuánto limita el dolor de espalda la vida diaria")
    expect(spanish).to_contain_text("17 puntos mejor")
    page.screenshot(path=artifacts / "evidence-page-es.png", full_page=True)
    assert external == []
