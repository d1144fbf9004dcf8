"""The API: writes are validated (422 with field paths), audited, and scoped."""

from datetime import date

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.patients.models import Patient


def _payload(world, **overrides):
    body = {
        "clinic_id": world.north.pk,
        "sex": "female",
        "birth_date": "1980-04-05",
        "given_name": "Lena",
        "family_name": "Apitest",
        "mrn": "API-1",
        "enrolled_date": "2025-02-01",
        "reason": "referral from GP",
    }
    body.update(overrides)
    return body


def test_a_coordinator_creates_a_patient_and_the_write_is_audited(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post("/api/patients", _payload(clinic_world), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert (patient.identity.mrn, patient.birth_year) == ("API-1", 1980)
    entry = AuditEntry.objects.get(model="patients.patient", object_id=str(patient.pk))
    assert entry.actor == clinic_world.coordinator
    assert entry.reason == "referral from GP"


def test_bad_input_answers_422_with_the_field_and_rule(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    count = Patient.objects.count()
    response = client.post(
        "/api/patients",
        _payload(clinic_world, sex="dragon", birth_date="2026-01-01"),
        content_type="application/json",
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "payload", "birth_date"]
    assert detail[0]["type"] == "before_enrolment"
    assert Patient.objects.count() == count


def test_a_schema_error_is_422_too(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post(
        "/api/patients",
        _payload(clinic_world, birth_date="yesterday"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "birth_date" in str(response.json()["detail"])


def test_a_patient_cannot_be_created_in_another_clinic(client, clinic_world):
    client.force_login(clinic_world.other)
    response = client.post("/api/patients", _payload(clinic_world), content_type="application/json")
    assert response.status_code == 404
    assert not Patient.objects.filter(identity__mrn="API-1").exists()


def test_a_patch_changes_and_audits_with_the_reason(client, clinic_world):
    client.force_login(clinic_world.physician)
    url = f"/api/patients/{clinic_world.patient.pk}"
    response = client.patch(
        url,
        {"changes": {"phone": "555-0199"}, "reason": "updated by phone"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "555-0199"
    entry = AuditEntry.objects.filter(action="update").latest("pk")
    assert entry.after == {"phone": "555-0199"}
    assert entry.reason == "updated by phone"


def test_a_patch_of_an_unknown_field_is_refused_by_name(client, clinic_world):
    client.force_login(clinic_world.physician)
    response = client.patch(
        f"/api/patients/{clinic_world.patient.pk}",
        {"changes": {"clinic_id": clinic_world.south.pk}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "clinic_id"


def test_episodes_and_diagnoses_through_the_api(client, clinic_world, signed_consent):
    client.force_login(clinic_world.physician)
    patient_id = clinic_world.patient.pk
    imaging = client.post(
        f"/api/patients/{patient_id}/imaging",
        {
            "study_date": "2025-01-05",
            "findings": [
                {"level": "L4-L5", "pfirrmann_grade": 4, "hiz": True},
                {"level": "L5-S1", "pfirrmann_grade": 3},
            ],
        },
        content_type="application/json",
    )
    assert imaging.status_code == 201
    dx = client.post(
        f"/api/patients/{patient_id}/diagnoses",
        {
            "condition": "discogenic",
            "level": "L4-L5",
            "diagnosed_date": "2025-01-10",
            "confirmed_by_id": imaging.json()["id"],
        },
        content_type="application/json",
    )
    assert dx.status_code == 201
    episode = client.post(
        "/api/episodes",
        {
            "patient_id": patient_id,
            "kind": "bmac",
            "condition": "discogenic",
            "index_date": "2025-02-01",
        },
        content_type="application/json",
    )
    assert episode.status_code == 201
    schedule = client.get(f"/api/episodes/{episode.json()['id']}/schedule").json()
    assert schedule[0]["visit"] == "baseline"
    assert schedule[-1]["visit"] == "60mo"


def test_an_impossible_finding_names_its_position(client, clinic_world):
    client.force_login(clinic_world.physician)
    response = client.post(
        f"/api/patients/{clinic_world.patient.pk}/imaging",
        {
            "study_date": "2025-01-05",
            "findings": [
                {"level": "L4-L5", "pfirrmann_grade": 3},
                {"level": "L5-S1", "pfirrmann_grade": 9},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "findings",
        "1",
        "pfirrmann_grade",
    ]
    assert not clinic_world.patient.imaging.exists()


def test_the_research_feed_is_de_identified(client, clinic_world):
    from datetime import UTC, datetime

    from spinereg.registry.outcomes.models import QuestionnaireResponse
    from tests.factories import EpisodeFactory

    patient = clinic_world.patient
    episode = EpisodeFactory(patient=patient, index_date=date(2025, 3, 1))
    QuestionnaireResponse.objects.create(
        patient=patient,
        episode=episode,
        instrument_id="nrs-pain",
        instrument_version="1.0",
        answers={"nrs": 6},
        value=6.0,
        scoring_version="1.0",
        timepoint="3mo",
        days_from_index=91,
        mode="web",
        completed_at=datetime(2025, 5, 31, tzinfo=UTC),
    )
    client.force_login(clinic_world.researcher)
    rows = client.get("/api/research/outcomes").json()["items"]
    assert rows == [
        {
            "patient": patient.pseudonym,
            "sex": "female",
            "age_at_index": 2025 - patient.birth_year,
            "episode": episode.pk,
            "treatment": "bmac",
            "condition": "discogenic",
            "instrument": "nrs-pain",
            "timepoint": "3mo",
            "days_from_index": 91,
            "value": 6.0,
        }
    ]
    text = str(rows)
    assert patient.identity.family_name not in text
    assert patient.identity.mrn not in text


def test_the_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/patients" in response.json()["paths"]
    assert client.get("/api/docs").status_code == 200
