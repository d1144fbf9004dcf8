"""Consent: versioned default documents in English and Spanish that say what they must; an
electronic signature (typed name, explicit agreement, time, version and hash); and no BMAC
procedure day without a signed current consent."""

import importlib
from datetime import UTC, date, datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.consent.selectors import consent_signature_current
from spinereg.registry.consent.services import consent_defaults_ensure, consent_sign
from spinereg.registry.episodes.models import Episode
from spinereg.registry.episodes.services import episode_create, episode_update
from tests.factories import ConsentDocumentFactory, ConsentSignatureFactory

SIGN_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

# What each document must state (the list), as phrases of the shipped text.
MUST_SAY = {
    "en": [
        "investigational",
        "mixed",
        "one to two years",
        "back of your hip bone",
        "infection of the disc",
        "epidural steroid injection",
        "facet joint steroid injection",
        "medial branch block",
        "radiofrequency ablation",
        "surgery",
    ],
    "es": [
        "en investigación",
        "contradictoria",
        "uno o dos años",
        "cresta ilíaca posterior",
        "infección del disco",
        "inyección epidural de corticoides",
        "articulación facetaria",
        "bloqueo de rama medial",
        "ablación por radiofrecuencia",
        "cirugía",
    ],
}


@pytest.fixture
def documents(clinic_world):
    return {
        doc.language: doc
        for doc in consent_defaults_ensure(
            clinic=clinic_world.north, effective_date=date(2026, 1, 1)
        )
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_default_documents_state_what_consent_must_say(documents, language):
    document = documents[language]
    assert document.version == "1.0"
    assert document.sha256 == ConsentDocument.hash_body(document.body)
    text = document.body.lower()
    missing = [phrase for phrase in MUST_SAY[language] if phrase.lower() not in text]
    assert not missing


def test_seeding_the_defaults_again_changes_nothing(clinic_world, documents):
    again = consent_defaults_ensure(clinic=clinic_world.north, effective_date=date(2026, 6, 1))
    assert {doc.pk for doc in again} == {doc.pk for doc in documents.values()}
    assert ConsentDocument.objects.filter(clinic=clinic_world.north).count() == 2


def test_the_data_migration_seeds_existing_clinics(clinic_world):
    migration = importlib.import_module(
        "spinereg.registry.consent.migrations.0003_default_documents"
    )
    migration.seed(apps, None)
    for clinic in (clinic_world.north, clinic_world.south):
        assert set(
            ConsentDocument.objects.filter(clinic=clinic, version="1.0").values_list(
                "language", flat=True
            )
        ) == {"en", "es"}
    assert AuditEntry.objects.filter(model="consent.consentdocument").count() == 4


def test_a_patient_signs_with_typed_name_agreement_time_version_and_hash(clinic_world, documents):
    patient = clinic_world.patient
    name = f"  {patient.identity.given_name}   {patient.identity.family_name} "
    signature = consent_sign(
        patient=patient,
        document=documents["es"],
        typed_name=name,
        agreed=True,
        actor=None,
        now=SIGN_AT,
    )
    assert signature.typed_name == patient.identity.full_name
    assert (signature.agreed, signature.signed_at) == (True, SIGN_AT)
    assert signature.document_sha256 == documents["es"].sha256
    event = AuditEntry.objects.get(model="consent.consentsignature.signature")
    assert event.after == {
        "printed_name": patient.identity.full_name,
        "signed_at": SIGN_AT.isoformat(),
        "meaning": "consent",
        "document_version": "1.0",
        "document_language": "es",
        "document_sha256": documents["es"].sha256,
    }
    assert event.actor is None
    assert consent_signature_current(patient, date(2026, 11, 20)) == signature


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"agreed": False}, "agreed", "agreement_required"),
        ({"typed_name": ""}, "typed_name", "required"),
        ({"typed_name": "Somebody Else"}, "typed_name", "matches_record"),
    ],
)
def test_a_signature_without_agreement_or_the_right_name_is_refused(
    clinic_world, documents, overrides, field, code
):
    fields = {
        "patient": clinic_world.patient,
        "document": documents["en"],
        "typed_name": clinic_world.patient.identity.full_name,
        "agreed": True,
        "actor": None,
        "now": SIGN_AT,
        **overrides,
    }
    with pytest.raises(ValidationError) as raised:
        consent_sign(**fields)
    assert raised.value.error_dict[field][0].code == code
    assert not ConsentSignature.objects.exists()


def test_the_name_matches_without_case_or_accents(clinic_world, documents):
    identity = clinic_world.patient.identity
    identity.family_name = "Núñez"
    identity.save()
    consent_sign(
        patient=clinic_world.patient,
        document=documents["en"],
        typed_name=f"{identity.given_name} NUNEZ",
        agreed=True,
        actor=None,
        now=SIGN_AT,
    )


def test_a_retired_or_another_clinics_document_cannot_be_signed(clinic_world, documents):
    old = documents["en"]
    old.retired_date = date(2026, 10, 1)
    old.save()
    south = ConsentDocumentFactory(clinic=clinic_world.south)
    for document in (old, south):
        with pytest.raises(ValidationError) as raised:
            consent_sign(
                patient=clinic_world.patient,
                document=document,
                typed_name=clinic_world.patient.identity.full_name,
                agreed=True,
                actor=None,
                now=SIGN_AT,
            )
        assert raised.value.error_dict["document"][0].code == "current_document"


def test_staff_of_another_clinic_cannot_record_a_signature(clinic_world, documents):
    with pytest.raises(PermissionDenied):
        consent_sign(
            patient=clinic_world.patient,
            document=documents["en"],
            typed_name=clinic_world.patient.identity.full_name,
            agreed=True,
            actor=clinic_world.other,
            now=SIGN_AT,
        )


def _bmac(world, index_date=date(2025, 3, 1), kind="bmac"):
    return episode_create(
        patient=world.patient,
        kind=kind,
        condition="discogenic",
        index_date=index_date,
        actor=world.physician,
    )


def test_a_bmac_procedure_day_without_consent_is_refused_and_nothing_saved(clinic_world):
    with pytest.raises(ValidationError) as raised:
        _bmac(clinic_world)
    assert raised.value.error_dict["index_date"][0].code == "consent_required"
    assert not Episode.objects.exists()


def test_a_signed_current_consent_lets_the_procedure_be_scheduled(clinic_world, signed_consent):
    assert _bmac(clinic_world).index_date == date(2025, 3, 1)


def test_a_comparator_episode_needs_no_bmac_consent(clinic_world):
    assert _bmac(clinic_world, kind="esi_interlaminar").kind == "esi_interlaminar"


def test_a_planned_bmac_episode_waits_for_consent_before_its_date(clinic_world):
    episode = episode_create(
        patient=clinic_world.patient,
        kind="bmac",
        condition="discogenic",
        actor=clinic_world.physician,
    )
    with pytest.raises(ValidationError) as raised:
        episode_update(
            episode, actor=clinic_world.physician, changes={"index_date": date(2025, 3, 1)}
        )
    assert raised.value.error_dict["index_date"][0].code == "consent_required"
    episode.refresh_from_db()
    assert episode.index_date is None
    ConsentSignatureFactory(patient=clinic_world.patient)
    episode_update(episode, actor=clinic_world.physician, changes={"index_date": date(2025, 3, 1)})
    assert episode.index_date == date(2025, 3, 1)


def test_turning_a_comparator_into_bmac_needs_consent(clinic_world):
    episode = _bmac(clinic_world, kind="prp")
    with pytest.raises(ValidationError) as raised:
        episode_update(episode, actor=clinic_world.physician, changes={"kind": "bmac"})
    assert raised.value.error_dict["index_date"][0].code == "consent_required"


def test_consent_signed_after_the_procedure_day_does_not_count(clinic_world):
    ConsentSignatureFactory(
        patient=clinic_world.patient, signed_at=datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    )
    with pytest.raises(ValidationError):
        _bmac(clinic_world, index_date=date(2025, 3, 1))
    assert _bmac(clinic_world, index_date=date(2025, 3, 2)).index_date == date(2025, 3, 2)


def test_a_new_document_version_needs_a_new_signature(clinic_world, signed_consent):
    ConsentDocumentFactory(
        clinic=clinic_world.north, version="2.0", effective_date=date(2025, 6, 1)
    )
    assert _bmac(clinic_world, index_date=date(2025, 5, 31)).kind == "bmac"  # 1.0 still current
    with pytest.raises(ValidationError) as raised:
        _bmac(clinic_world, index_date=date(2025, 6, 1))
    assert raised.value.error_dict["index_date"][0].code == "consent_required"


def test_a_signature_whose_hash_no_longer_matches_does_not_count(clinic_world, signed_consent):
    ConsentDocument.objects.filter(pk=signed_consent.document_id).update(sha256="0" * 64)
    with pytest.raises(ValidationError):
        _bmac(clinic_world)


def test_an_administrator_publishes_a_version_whose_hash_is_computed(client, clinic_world):
    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/consent/consentdocument/add/",
        {
            "clinic": clinic_world.north.pk,
            "version": "2.0",
            "language": "en",
            "title": "Consent v2",
            "body": "New wording.",
            "effective_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    document = ConsentDocument.objects.get(version="2.0")
    assert document.sha256 == ConsentDocument.hash_body("New wording.")
    change = client.get(f"/admin/consent/consentdocument/{document.pk}/change/").content.decode()
    assert 'name="body"' not in change  # the signed-for text cannot be edited
    assert AuditEntry.objects.filter(model="consent.consentdocument", reason="admin").exists()
