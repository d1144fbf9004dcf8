"""The patient timeline: every part of the record, and the score plot."""

from datetime import UTC, date, datetime

from spinereg.registry.outcomes.models import AdverseEvent, QuestionnaireResponse
from tests.factories import EpisodeFactory


def test_the_timeline_shows_the_record(client, clinic_world):
    patient = clinic_world.patient
    episode = EpisodeFactory(patient=patient, kind="bmac", condition="discogenic")
    QuestionnaireResponse.objects.create(
        patient=patient,
        episode=episode,
        instrument_id="odi-2.1a",
        instrument_version="2.1a",
        answers={},
        value=42.0,
        scoring_version="1.0",
        timepoint="3mo",
        mode="web",
        completed_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    AdverseEvent.objects.create(
        patient=patient,
        episode=episode,
        code="discitis",
        onset_date=date(2025, 3, 20),
        severity_grade=3,
        serious=True,
        hospitalisation=True,
    )
    client.force_login(clinic_world.physician)
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert patient.identity.mrn in page
    assert "42.0" in page
    assert "3mo" in page
    assert "discitis" in page
    assert "serious" in page
    assert "investigational" in page


def test_the_score_plot_is_an_svg_of_the_scores(client, clinic_world):
    patient = clinic_world.patient
    for month, value in ((1, 60.0), (4, 30.0)):
        QuestionnaireResponse.objects.create(
            patient=patient,
            instrument_id="odi-2.1a",
            instrument_version="2.1a",
            answers={},
            value=value,
            scoring_version="1.0",
            mode="web",
            completed_at=datetime(2025, month, 1, tzinfo=UTC),
        )
    client.force_login(clinic_world.physician)
    response = client.get(f"/patients/{patient.pk}/scores.svg")
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "ODI" in svg


def test_the_score_plot_is_scoped_like_the_timeline(client, clinic_world):
    client.force_login(clinic_world.other)
    assert client.get(f"/patients/{clinic_world.patient.pk}/scores.svg").status_code == 404
