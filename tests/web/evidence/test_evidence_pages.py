"""The researcher's evidence page, the public patient evidence page (en/es) and the API."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import textstat

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Episode
from spinereg.registry.episodes.services import episode_update
from spinereg.registry.evidence.models import LiteratureRow
from spinereg.registry.evidence.services import literature_load
from spinereg.registry.outcomes.models import AdverseEvent, QuestionnaireResponse
from tests.factories import EpisodeFactory, PatientFactory

PACKAGED_CSV = (
    Path(__file__).parents[3] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)


@pytest.fixture
def loaded(clinic_world):
    literature_load(
        PACKAGED_CSV.read_text(encoding="utf-8"), actor=clinic_world.researcher, reason="seed"
    )
    return clinic_world


def _odi(patient, episode, timepoint, value):
    QuestionnaireResponse.objects.create(
        patient=patient, episode=episode, instrument_id="odi-2.1a", instrument_version="2.1a",
        answers={}, value=value, scoring_version="1.0", timepoint=timepoint, mode="web",
        completed_at=datetime(2025, 6, 1, tzinfo=UTC),
    )  # fmt: skip


@pytest.fixture
def north_results(loaded):
    """Three BMAC patients in North with baseline and 12-month ODI; one adverse event."""
    for baseline, month12 in ((56.0, 30.0), (48.0, 45.0), (62.0, 40.0)):
        patient = PatientFactory(clinic=loaded.north)
        episode = EpisodeFactory(patient=patient, kind="bmac", condition="discogenic")
        _odi(patient, episode, "baseline", baseline)
        _odi(patient, episode, "12mo", month12)
    AdverseEvent.objects.create(
        patient=patient, episode=episode, code="harvest_site_pain",
        onset_date=date(2025, 3, 20), severity_grade=1,
    )  # fmt: skip
    return loaded


def test_the_researcher_page_shows_plots_registry_row_and_exclusions(client, north_results):
    client.force_login(north_results.researcher)
    page = client.get("/research/evidence/").content.decode()
    assert "<svg" in page
    assert "This clinic, not pooled" in page
    assert "Your clinics, odi-2.1a" in page  # the registry row, mean change of 3 patients
    assert "-17.0" in page  # (30-56 + 45-48 + 40-62) / 3
    assert "duplicate cohort at this time point" in page
    assert "fewer than two studies (k = 1): nothing pooled" in page
    assert "Not run: Egger&#x27;s test: 2 studies; it needs at least 10" in page


@pytest.mark.parametrize("role", ["physician", "coordinator", "patient_user"])
def test_others_get_404(client, loaded, role):
    client.force_login(getattr(loaded, role))
    assert client.get("/research/evidence/").status_code == 404
    assert client.get("/api/evidence/synthesis").status_code == 404


def test_an_upload_without_a_source_saves_nothing_and_names_the_row(client, loaded):
    client.force_login(loaded.researcher)
    lines = PACKAGED_CSV.read_text(encoding="utf-8").splitlines()
    bad = "\n".join([lines[0], lines[1].replace("10.1002/stem.1845", "").replace("3,22.8", "3,1")])
    before = LiteratureRow.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        "/research/evidence/",
        {"upload-file": SimpleUploadedFile("bad.csv", bad.encode()), "upload-reason": "x"},
    ).content.decode()
    assert "doi_or_pmid (row 2)" in page
    assert LiteratureRow.objects.count() == before


def test_a_correction_through_the_page_is_audited(client, loaded):
    client.force_login(loaded.researcher)
    row = LiteratureRow.objects.filter(study_id="pettine2015").first()
    form = {column: getattr(row, column) for column in ("study_id", "first_author", "year",
            "journal", "doi_or_pmid", "design", "product", "target", "condition", "arm", "n",
            "outcome", "scale_max", "timepoint_months", "baseline_mean", "responder_definition",
            "notes")}  # fmt: skip
    form |= {"mean": 22.0, "reason": "typo in extraction"}
    form = {key: "" if value is None else value for key, value in form.items()}
    response = client.post(f"/research/evidence/rows/{row.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(model="evidence.literaturerow", action="update")
    assert entry.reason == "typo in extraction"
    assert entry.after["mean"] == 22.0


def test_the_public_page_in_english(client, north_results):
    page = client.get("/evidence/?clinic=north&lang=en").content.decode()
    assert "investigational" in page
    assert "not a promise" in page
    assert "studies with" in page
    assert "Results at North Spine" in page
    assert "Soreness at the hip where the marrow was taken: 1" in page
    # (30-56, 45-48, 40-62): mean change -17; 2 of 3 improved by >= 10 (Wilson 21% to 94%).
    assert (
        "<td>12 months</td><td>3</td><td>17 points better</td>"
        "<td>67 out of 100 (likely 21 to 94)</td>"
    ) in page
    assert len(page.encode()) < 100_000


def test_the_public_page_in_spanish(client, north_results):
    page = client.get("/evidence/?clinic=north&lang=es").content.decode()
    assert 'lang="es"' in page
    assert "en investigación" in page
    assert "no es una promesa" in page
    assert "Resultados en North Spine" in page
    assert "Dolor en la cadera donde se sacó la médula: 1" in page


def test_the_public_page_updates_when_the_table_changes(client, loaded):
    first = client.get("/evidence/?lang=en").content.decode()
    LiteratureRow.objects.filter(study_id="juch2017").delete()
    second = client.get("/evidence/?lang=en").content.decode()
    assert first != second


def test_an_unknown_clinic_is_404(client, loaded):
    assert client.get("/evidence/?clinic=nowhere").status_code == 404


def test_the_api_gives_the_synthesis_and_adds_rows(client, loaded):
    client.force_login(loaded.researcher)
    data = client.get("/api/evidence/synthesis").json()
    pool = next(item for item in data["pools"] if item["key"] == "odi_12mo_PLO")
    assert pool["pooled"]["k"] == 2
    single = next(item for item in data["pools"] if item["key"] == "odi_3mo_PLO")
    assert single["pooled"] is None
    assert "fewer than two" in single["not_pooled_reason"]
    payload = {
        "study_id": "new2024", "first_author": "New", "year": 2024, "doi_or_pmid": "",
        "design": "case_series", "product": "bmac", "target": "intradiscal",
        "condition": "discogenic", "arm": "BMAC", "n": 12, "outcome": "odi", "scale_max": 100,
        "timepoint_months": 12, "mean": 30, "reason": "new paper",
    }  # fmt: skip
    rejected = client.post("/api/evidence/literature", payload, content_type="application/json")
    assert rejected.status_code == 422
    assert rejected.json()["detail"][0]["loc"][-1] == "doi_or_pmid"
    payload["doi_or_pmid"] = "PMID 123456"
    created = client.post("/api/evidence/literature", payload, content_type="application/json")
    assert created.status_code == 201
    assert LiteratureRow.objects.filter(study_id="new2024").exists()


class _PageText(HTMLParser):
    """The words a reader sees in <main>, one sentence per paragraph, item or heading."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        self.in_main = self.in_main or tag == "main"

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if tag in ("p", "li", "h1", "h2", "caption", "th", "td"):
            self.parts.append(".\n")

    def handle_data(self, data):
        if self.in_main:
            self.parts.append(data)


def _reader_text(page: str) -> str:
    parser = _PageText()
    parser.feed(page)
    return re.sub(r"\.(\s*\.)+", ".", "".join(parser.parts))


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_public_page_reads_at_about_an_8th_grade_level(client, north_results, language):
    """Flesch-Kincaid grade (English) and Fernández-Huerta ease and Crawford's grade (Spanish),
    computed by textstat on the words a patient sees."""
    text = _reader_text(client.get(f"/evidence/?clinic=north&lang={language}").content.decode())
    assert len(text.split()) > 150  # the whole page, not an empty shell
    textstat.set_lang(language)
    if language == "en":
        assert textstat.flesch_kincaid_grade(text) <= 8.5
    else:
        assert textstat.fernandez_huerta(text) >= 70  # "bastante fácil", about 7th grade
        assert textstat.crawford(text) <= 8.5


def test_the_public_page_updates_when_an_episode_is_corrected(client, north_results):
    """An audited correction (the treatment was not BMAC) leaves the clinic's own rows."""
    before = client.get("/evidence/?clinic=north&lang=en").content.decode()
    assert "<td>12 months</td><td>3</td>" in before
    episode = Episode.objects.filter(clinic=north_results.north, kind="bmac").first()
    episode_update(
        episode, actor=north_results.physician, changes={"kind": "rfa"}, reason="entry error"
    )
    after = client.get("/evidence/?clinic=north&lang=en").content.decode()
    assert "<td>12 months</td><td>2</td>" in after
