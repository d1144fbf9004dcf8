"""Staff questionnaire entry and the FHIR endpoints."""

import pytest

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.outcomes.models import QuestionnaireResponse


def _post_form(client, patient, data):
    return client.post(
        f"/patients/{patient.pk}/questionnaires/new/?instrument={data['instrument']}", data
    )


def test_a_complete_odi_is_saved_with_its_score(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    data = {
        "instrument": "odi-2.1a",
        "mode": "paper",
        "completed_at": "2025-06-01T10:00",
        "save": "1",
        **{f"section-{i}": "3" for i in range(1, 11)},
    }
    response = _post_form(client, clinic_world.patient, data)
    assert response.status_code == 302
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.value, stored.mode) == ("complete", pytest.approx(60.0), "paper")
    page = client.get(response["Location"]).content.decode()
    assert "60.0" in page


def test_an_incomplete_form_is_kept_as_a_draft(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    data = {"instrument": "odi-2.1a", "mode": "clinic", "save": "1", "section-1": "2"}
    response = _post_form(client, clinic_world.patient, data)
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.value) == ("draft", None)
    assert "Continue it" in client.get(response["Location"]).content.decode()
    timeline = client.get(f"/patients/{clinic_world.patient.pk}/").content.decode()
    assert f"/questionnaires/{stored.pk}/" in timeline


def test_an_out_of_range_value_is_shown_beside_the_item(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    data = {"instrument": "vas-pain", "mode": "clinic", "save": "1", "vas": "140"}
    response = _post_form(client, clinic_world.patient, data)
    assert response.status_code == 200
    assert "outside the allowed range" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_the_form_is_scoped_like_the_patient(client, clinic_world):
    client.force_login(clinic_world.other)
    url = f"/patients/{clinic_world.patient.pk}/questionnaires/new/?instrument=nrs-pain"
    assert client.get(url).status_code == 404


def test_the_live_score_endpoint_scores_without_storing(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post(
        "/api/instruments/peg-3/score",
        {"answers": {"pain": 6, "enjoyment": 5, "general-activity": 7}},
        content_type="application/json",
    )
    assert response.json()["value"] == pytest.approx(6.0)
    bad = client.post(
        "/api/instruments/peg-3/score", {"answers": {"pain": 11}}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-2:] == ["answers", "pain"]
    assert not QuestionnaireResponse.objects.exists()


def test_the_api_serves_the_spanish_questionnaire(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    body = client.get("/api/fhir/Questionnaire/nrs-pain?language=es").json()
    assert body["resourceType"] == "Questionnaire"
    assert body["language"] == "es"
    assert [item["linkId"] for item in body["item"]] == ["nrs"]


def _fhir_response(patient_id, **overrides):
    body = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "https://spinereg.org/fhir/Questionnaire/bpi-sf|1.0.0",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": "2025-06-01T09:30:00+02:00",
        "item": [
            {"linkId": name, "answer": [{"valueInteger": value}]}
            for name, value in (
                ("worst", 8),
                ("least", 3),
                ("average", 5),
                ("now", 4),
                ("interference-general-activity", 6),
                ("interference-mood", 5),
                ("interference-walking", 4),
                ("interference-normal-work", 7),
                ("interference-relations", 3),
                ("interference-sleep", 6),
                ("interference-enjoyment", 4),
            )
        ],
    }
    body.update(overrides)
    return body


def test_a_fhir_questionnaire_response_is_stored_and_scored(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post(
        "/api/fhir/QuestionnaireResponse",
        _fhir_response(clinic_world.patient.pk),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] == pytest.approx(35 / 7)
    assert body["subscores"]["severity"] == pytest.approx(5.0)
    assert AuditEntry.objects.filter(model="outcomes.questionnaireresponse").count() == 1


def test_a_fhir_response_with_an_unknown_item_is_refused(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    body = _fhir_response(clinic_world.patient.pk)
    body["item"].append({"linkId": "mood-today", "answer": [{"valueInteger": 3}]})
    response = client.post("/api/fhir/QuestionnaireResponse", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["answers", "mood-today"]
    assert not QuestionnaireResponse.objects.exists()


def test_a_fhir_response_for_another_clinics_patient_is_404(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post(
        "/api/fhir/QuestionnaireResponse",
        _fhir_response(clinic_world.other_patient.pk),
        content_type="application/json",
    )
    assert response.status_code == 404
