"""The patient's link pages through the test client: greeting by first name only, one
questionnaire per page, drafts, a double submit, the trajectory right after finishing, and the
plain pages for a forged, expired, finished or not-yet-open link — none of which shows patient
data."""

import re

import pytest
import time_machine

from spinereg.registry.followup.links import link_token
from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.registry.followup.helpers import at, day, item_of

pytestmark = pytest.mark.django_db


def _link(episode, visit: str) -> str:
    return f"/f/{link_token(item_of(episode, visit).pk)}/"


def _private_bits(world) -> list[str]:
    identity = world.patient.identity
    return [identity.family_name, identity.mrn, identity.email, world.patient.pseudonym]


@pytest.fixture
def two_weeks(episode):
    """The 2-week link (NRS only), opened on day 12."""
    with time_machine.travel(at(day(12)), tick=False):
        yield _link(episode, "2wk")


def test_the_start_page_greets_by_first_name_only(client, clinic_world, two_weeks):
    page = client.get(two_weeks)
    text = page.content.decode()
    assert page.status_code == 200
    assert f"Hello {clinic_world.patient.identity.given_name}" in text
    assert "2 weeks after your treatment" in text
    for private in _private_bits(clinic_world):
        assert private not in text
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert 'id="begin"' in text
    assert f"{two_weeks}q/nrs-pain/" in text


def test_answering_the_visit_shows_the_trajectory(client, clinic_world, two_weeks):
    answered = client.post(f"{two_weeks}q/nrs-pain/", {"nrs": "4", "next": "1"})
    assert answered.status_code == 302
    assert answered["Location"] == f"{two_weeks}done/"
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.value, stored.timepoint, stored.mode) == (
        "complete",
        4,
        "2wk",
        "web",
    )
    done = client.get(answered["Location"])
    text = done.content.decode()
    assert done.status_code == 200
    assert "Thank you" in text
    assert re.search(r"<td>Pain \(0–10\)</td><td>4\.0</td>", text)
    assert f'src="{two_weeks}trajectory.svg"' in text
    for private in _private_bits(clinic_world):
        assert private not in text
    svg = client.get(f"{two_weeks}trajectory.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert "meaningful improvement" in svg.content.decode()


def test_a_double_submit_makes_one_response(client, two_weeks):
    first = client.post(f"{two_weeks}q/nrs-pain/", {"nrs": "4", "next": "1"})
    second = client.post(f"{two_weeks}q/nrs-pain/", {"nrs": "7", "next": "1"})
    assert first.status_code == second.status_code == 302
    assert QuestionnaireResponse.objects.count() == 1
    assert QuestionnaireResponse.objects.get().value == 4


def test_a_half_finished_questionnaire_is_kept_as_a_draft(client, episode):
    with time_machine.travel(at(day(36)), tick=False):
        link = _link(episode, "6wk")
        half = {f"section-{i}": "2" for i in range(1, 5)}
        page = client.post(f"{link}q/odi-2.1a/", {**half, "next": "1"})
        assert page.status_code == 200
        assert "Some questions are not answered yet" in page.content.decode()
        stored = QuestionnaireResponse.objects.get()
        assert (stored.status, stored.value) == ("draft", None)
        # The form comes back with the answers given so far.
        again = client.get(f"{link}q/odi-2.1a/").content.decode()
        assert again.count(" checked>") == 4
        later = client.post(f"{link}q/odi-2.1a/", {**half, "save_later": "1"})
        assert later["Location"] == f"{link}?saved=1"
        start = client.get(later["Location"]).content.decode()
        assert "Your answers are saved" in start
        assert "started" in start
        assert "Continue" in start
    assert QuestionnaireResponse.objects.get().status == "draft"


def test_an_out_of_range_answer_is_shown_beside_the_item(client, episode):
    with time_machine.travel(at(day(36)), tick=False):
        page = client.post(f"{_link(episode, '6wk')}q/vas-pain/", {"vas": "140", "next": "1"})
    assert page.status_code == 422
    assert "outside the allowed range" in page.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_the_odi_without_licensed_text_is_marked_demo_wording(client, clinic_world, episode):
    with time_machine.travel(at(day(36)), tick=False):
        page = client.get(f"{_link(episode, '6wk')}q/odi-2.1a/").content.decode()
        assert 'id="demo-wording"' in page
        assert "Statement 1" in page
        nrs = client.get(f"{_link(episode, '6wk')}q/nrs-pain/").content.decode()
    assert 'id="demo-wording"' not in nrs


def test_the_odi_shows_the_clinics_licensed_text_when_loaded(client, clinic_world, episode):
    from spinereg.registry.instruments.services import licensed_text_load
    from tests.registry.test_licensed_text import overlay_for

    overlay = overlay_for("odi-2.1a")
    licensed_text_load(clinic=clinic_world.north, overlay=overlay, actor=None)
    with time_machine.travel(at(day(36)), tick=False):
        page = client.get(f"{_link(episode, '6wk')}q/odi-2.1a/").content.decode()
    assert 'id="demo-wording"' not in page
    assert overlay["items"]["section-1"]["text"] in page


@pytest.mark.parametrize(
    ("moment", "status", "heading"),
    [
        (at(day(35)), 410, "This link has expired"),
        (at(day(5)), 200, "Not open yet"),
    ],
)
def test_an_expired_or_early_link_shows_a_plain_page(
    client, clinic_world, episode, moment, status, heading
):
    with time_machine.travel(moment, tick=False):
        page = client.get(_link(episode, "2wk"))
        form = client.get(f"{_link(episode, '2wk')}q/nrs-pain/")
    text = page.content.decode()
    assert page.status_code == form.status_code == status
    assert heading in text
    for private in [clinic_world.patient.identity.given_name, "North Spine"]:
        assert private not in text


def test_a_forged_link_shows_a_plain_page_and_no_data(client, clinic_world, two_weeks):
    token = two_weeks.split("/")[2]
    for path in (
        f"/f/{token[:-2]}xx/",
        f"/f/{token[:-2]}xx/q/nrs-pain/",
        f"/f/{token[:-2]}xx/done/",
        "/f/1/",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        text = page.content.decode()
        assert "This link does not work" in text
        assert clinic_world.patient.identity.given_name not in text
    assert client.post(f"/f/{token[:-2]}xx/q/nrs-pain/", {"nrs": "3"}).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_a_reused_link_only_says_thank_you(client, clinic_world, two_weeks):
    client.post(f"{two_weeks}q/nrs-pain/", {"nrs": "4", "next": "1"})
    client.cookies.clear()  # another browser, or the same link opened days later
    for path in (two_weeks, f"{two_weeks}done/", f"{two_weeks}q/nrs-pain/"):
        page = client.get(path)
        text = page.content.decode()
        assert page.status_code == 200, path
        assert "Already completed — thank you" in text
        assert clinic_world.patient.identity.given_name not in text
        assert "4.0" not in text
    assert client.get(f"{two_weeks}trajectory.svg").status_code == 404
    assert client.post(f"{two_weeks}q/nrs-pain/", {"nrs": "9", "next": "1"}).status_code == 200
    assert QuestionnaireResponse.objects.get().value == 4


def test_an_instrument_the_visit_does_not_ask_for_is_not_found(client, two_weeks):
    assert client.get(f"{two_weeks}q/odi-2.1a/").status_code == 404


def _weight_and_urls(client, path: str) -> tuple[int, list[str]]:
    page = client.get(path)
    html = page.content.decode()
    urls = re.findall(r'(?:src|href|action)="([^"]+)"', html)
    weight = len(page.content)
    for url in urls:
        if url.startswith("/static/") or url.endswith(".svg"):
            asset = client.get(url)
            body = b"".join(asset.streaming_content) if asset.streaming else asset.content
            weight += len(body)
    return weight, urls


def test_patient_pages_are_light_and_request_nothing_from_elsewhere(client, episode):
    """Issue: ≤ 100 KB of HTML+CSS+JS on first load, no external network requests. Counted
    here with the trajectory image too."""
    with time_machine.travel(at(day(36)), tick=False):
        link = _link(episode, "6wk")
        pages = [link, f"{link}q/odi-2.1a/", f"{link}q/vas-pain/"]
        for instrument_id, answer in (
            ("nrs-pain", {"nrs": "6"}),
            ("vas-pain", {"vas": "55"}),
            ("odi-2.1a", {f"section-{i}": "3" for i in range(1, 11)}),
            ("pgic", {"pgic": "3"}),
        ):
            client.post(f"{link}q/{instrument_id}/", {**answer, "next": "1"})
        pages.append(f"{link}done/")
        for path in pages:
            weight, urls = _weight_and_urls(client, path)
            assert weight <= 100_000, (path, weight)
            external = [u for u in urls if u.startswith(("http:", "https:", "//"))]
            assert not external, (path, external)
