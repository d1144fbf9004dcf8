"""Every role against its own and another clinic: forbidden answers 404, like missing."""

import pytest

from spinereg.registry.access import patients_visible_to
from spinereg.registry.accounts.models import ApiToken

STAFF = ("coordinator", "physician", "technician", "administrator")


@pytest.mark.parametrize("role", STAFF)
def test_clinical_staff_see_their_clinics_patients_only(clinic_world, role):
    visible = set(patients_visible_to(getattr(clinic_world, role)))
    assert clinic_world.patient in visible
    assert clinic_world.other_patient not in visible


def test_a_researcher_sees_no_identified_patient(clinic_world):
    assert not patients_visible_to(clinic_world.researcher).exists()


def test_a_patient_sees_only_themself(clinic_world):
    assert list(patients_visible_to(clinic_world.patient_user)) == [clinic_world.patient]


def test_an_inactive_user_sees_nobody(clinic_world):
    clinic_world.physician.is_active = False
    clinic_world.physician.save()
    assert not patients_visible_to(clinic_world.physician).exists()


WHO_SEES_NORTH_PATIENT = [
    ("coordinator", 200),
    ("physician", 200),
    ("technician", 200),
    ("administrator", 200),
    ("researcher", 404),
    ("other", 404),
    ("patient_user", 200),
]


@pytest.mark.parametrize(("who", "status"), WHO_SEES_NORTH_PATIENT)
def test_the_timeline_page_answers_by_role(client, clinic_world, who, status):
    client.force_login(getattr(clinic_world, who))
    assert client.get(f"/patients/{clinic_world.patient.pk}/").status_code == status


@pytest.mark.parametrize(("who", "status"), WHO_SEES_NORTH_PATIENT)
def test_the_api_answers_by_role(client, clinic_world, who, status):
    client.force_login(getattr(clinic_world, who))
    assert client.get(f"/api/patients/{clinic_world.patient.pk}").status_code == status


@pytest.mark.parametrize("who", ["coordinator", "other", "researcher", "patient_user"])
def test_a_missing_patient_looks_like_a_forbidden_one(client, clinic_world, who):
    client.force_login(getattr(clinic_world, who))
    assert client.get("/patients/999999/").status_code == 404
    assert client.get("/api/patients/999999").status_code == 404


def test_a_patient_cannot_see_another_patient(client, clinic_world):
    client.force_login(clinic_world.patient_user)
    other = clinic_world.other_patient.pk
    assert client.get(f"/patients/{other}/").status_code == 404
    assert client.get(f"/api/patients/{other}").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, clinic_world):
    response = client.get(f"/patients/{clinic_world.patient.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get(f"/api/patients/{clinic_world.patient.pk}").status_code == 401


def test_the_patient_list_shows_only_the_own_clinic(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    page = client.get("/patients/").content.decode()
    assert clinic_world.patient.identity.family_name in page
    assert clinic_world.other_patient.identity.family_name not in page
    api = client.get("/api/patients").json()
    assert [row["id"] for row in api["items"]] == [clinic_world.patient.pk]


def test_a_token_carries_its_users_scope(client, clinic_world):
    key = ApiToken.new_key()
    ApiToken.objects.create(user=clinic_world.other, name="ehr", key_hash=ApiToken.hash_key(key))
    headers = {"Authorization": f"Bearer {key}"}
    assert (
        client.get(f"/api/patients/{clinic_world.other_patient.pk}", headers=headers).status_code
        == 200
    )
    assert (
        client.get(f"/api/patients/{clinic_world.patient.pk}", headers=headers).status_code == 404
    )


def test_a_revoked_token_is_refused(client, clinic_world):
    from django.utils import timezone

    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=clinic_world.physician,
        name="old",
        key_hash=ApiToken.hash_key(key),
        revoked_at=timezone.now(),
    )
    response = client.get("/api/patients", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher", 200), ("physician", 404), ("other", 404), ("patient_user", 404)],
)
def test_only_researchers_reach_the_research_pages(client, clinic_world, who, status):
    client.force_login(getattr(clinic_world, who))
    assert client.get("/research/").status_code == status
    assert client.get("/api/research/summary").status_code == status
