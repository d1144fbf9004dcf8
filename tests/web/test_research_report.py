"""The researcher's report page: researchers of a clinic see its report; others get 404."""

from datetime import date

import pytest
from django.core.cache import cache

from spinereg.registry.synthetic import synth_config, synth_load


@pytest.fixture
def world_with_data(clinic_world):
    cache.clear()
    synth_load(
        config=synth_config(
            patients=120, seed=6, today=date(2026, 11, 1), clinic_codes=["north"], chunk_size=60
        )
    )
    return clinic_world


def test_a_researcher_sees_the_report_of_their_clinics(client, world_with_data) -> None:
    client.force_login(world_with_data.researcher)
    response = client.get("/research/report/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Scope: north" in page
    assert "BMAC for the spine is investigational" in page
    assert "SYNTHETIC DATA" in page
    assert page.count("<svg") >= 5
    assert 'id="durability"' in page
    assert "Cohort" in page


@pytest.mark.parametrize("who", ["coordinator", "physician", "other", "patient_user"])
def test_others_get_404(client, world_with_data, who) -> None:
    client.force_login(getattr(world_with_data, who))
    assert client.get("/research/report/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, world_with_data) -> None:
    response = client.get("/research/report/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_research_page_links_the_report(client, world_with_data) -> None:
    client.force_login(world_with_data.researcher)
    assert 'href="/research/report/"' in client.get("/research/").content.decode()


def test_a_researcher_without_data_sees_messages_not_an_error(client, clinic_world) -> None:
    cache.clear()
    client.force_login(clinic_world.researcher)
    response = client.get("/research/report/")
    assert response.status_code == 200
    assert "could not be computed" in response.content.decode()
