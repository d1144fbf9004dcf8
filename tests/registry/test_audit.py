"""Every clinical write leaves who, when, before, after and why; a failed write leaves nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.audit.services import record_delete
from spinereg.registry.episodes.services import episode_create, episode_update
from spinereg.registry.patients.models import Patient, PatientIdentity
from spinereg.registry.patients.services import patient_create, patient_update
from tests.factories import PASSWORD, EpisodeFactory


def _new_patient(world, **overrides):
    fields = {
        "clinic": world.north,
        "actor": world.coordinator,
        "sex": "male",
        "birth_date": date(1970, 2, 3),
        "given_name": "Ana",
        "family_name": "Prueba",
        "mrn": "X-1",
        "enrolled_date": date(2025, 5, 1),
    }
    fields.update(overrides)
    return patient_create(**fields)


def test_creating_a_patient_audits_both_tables(clinic_world):
    patient = _new_patient(clinic_world, reason="referral")
    entries = AuditEntry.objects.filter(patient_id=patient.pk).order_by("pk")
    assert [(e.action, e.model) for e in entries] == [
        ("create", "patients.patient"),
        ("create", "patients.patientidentity"),
    ]
    assert all(e.actor == clinic_world.coordinator and e.reason == "referral" for e in entries)
    assert entries[1].after["mrn"] == "X-1"
    assert entries[0].clinic_id == clinic_world.north.pk


def test_an_update_records_before_and_after_of_the_changed_fields_only(clinic_world):
    patient = _new_patient(clinic_world)
    patient_update(
        patient,
        actor=clinic_world.physician,
        changes={"family_name": "Nueva", "language": "es"},
        reason="marriage",
    )
    updates = AuditEntry.objects.filter(patient_id=patient.pk, action="update").order_by("pk")
    assert [(e.model, e.before, e.after) for e in updates] == [
        ("patients.patient", {"language": "en"}, {"language": "es"}),
        ("patients.patientidentity", {"family_name": "Prueba"}, {"family_name": "Nueva"}),
    ]
    assert updates[0].actor == clinic_world.physician


def test_an_invalid_write_saves_nothing_and_audits_nothing(clinic_world):
    before = (Patient.objects.count(), PatientIdentity.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as raised:
        _new_patient(clinic_world, email="not-an-email")
    assert "email" in raised.value.error_dict
    assert (
        Patient.objects.count(),
        PatientIdentity.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_a_duplicate_mrn_in_the_clinic_is_refused(clinic_world):
    _new_patient(clinic_world)
    with pytest.raises(ValidationError) as raised:
        _new_patient(clinic_world)
    assert raised.value.error_dict["mrn"][0].code == "unique_in_clinic"


def test_staff_of_another_clinic_cannot_write(clinic_world):
    count = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        _new_patient(clinic_world, actor=clinic_world.other)
    with pytest.raises(PermissionDenied):
        _new_patient(clinic_world, actor=clinic_world.researcher)
    assert AuditEntry.objects.count() == count


def test_a_signed_episode_changes_only_with_a_reason(clinic_world, signed_consent):
    from spinereg.registry.episodes.services import episode_sign

    episode = EpisodeFactory(patient=clinic_world.patient, index_date=date(2025, 3, 1))
    episode_sign(episode, actor=clinic_world.physician, password=PASSWORD, meaning="authorship")
    with pytest.raises(ValidationError) as raised:
        episode_update(
            episode, actor=clinic_world.physician, changes={"index_date": date(2025, 3, 2)}
        )
    assert raised.value.error_dict["reason"][0].code == "reason_required"
    episode.refresh_from_db()
    assert episode.index_date == date(2025, 3, 1)
    episode_update(
        episode,
        actor=clinic_world.physician,
        changes={"index_date": date(2025, 3, 2)},
        reason="procedure date typed wrongly",
    )
    entry = AuditEntry.objects.filter(model="episodes.episode", action="update").latest("pk")
    assert entry.before == {"index_date": "2025-03-01"}
    assert entry.after == {"index_date": "2025-03-02"}
    assert entry.reason == "procedure date typed wrongly"


def test_signing_needs_the_password_again(clinic_world):
    from spinereg.registry.episodes.services import episode_sign

    episode = EpisodeFactory(patient=clinic_world.patient)
    with pytest.raises(ValidationError) as raised:
        episode_sign(episode, actor=clinic_world.physician, password="wrong", meaning="authorship")
    assert raised.value.error_dict["password"][0].code == "reauthentication"
    episode.refresh_from_db()
    assert episode.signed_at is None


def test_only_a_physician_signs(clinic_world):
    from spinereg.registry.episodes.services import episode_sign

    episode = EpisodeFactory(patient=clinic_world.patient)
    with pytest.raises(ValidationError) as raised:
        episode_sign(episode, actor=clinic_world.coordinator, password=PASSWORD, meaning="review")
    assert raised.value.error_dict["actor"][0].code == "physician_only"


def test_a_delete_needs_a_reason_and_keeps_the_record_in_the_trail(clinic_world):
    episode = episode_create(
        patient=clinic_world.patient, kind="mbb", condition="facet", actor=clinic_world.physician
    )
    with pytest.raises(ValidationError):
        record_delete(episode, actor=clinic_world.physician, reason=" ")
    record_delete(episode, actor=clinic_world.physician, reason="entered on the wrong patient")
    entry = AuditEntry.objects.get(action="delete", model="episodes.episode")
    assert entry.before["kind"] == "mbb"
    assert entry.patient_id == clinic_world.patient.pk


def test_the_history_page_shows_who_changed_what(client, clinic_world):
    patient = _new_patient(clinic_world)
    patient_update(
        patient,
        actor=clinic_world.physician,
        changes={"phone": "555-0100"},
        reason="patient called",
    )
    client.force_login(clinic_world.coordinator)
    page = client.get(f"/patients/{patient.pk}/history/").content.decode()
    assert "555-0100" in page
    assert "patient called" in page
    assert str(clinic_world.physician) in page
    history = client.get(f"/api/patients/{patient.pk}/history").json()["items"]
    assert history[0]["after"] == {"phone": "555-0100"}
