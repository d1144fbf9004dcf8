"""The physician signs the procedure note with the password re-entered and the meaning stated;
afterwards records change only with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.procedures import services
from spinereg.registry.procedures.facts import record_fingerprint
from spinereg.registry.procedures.models import ProcedureSignature
from spinereg.registry.procedures.selectors import procedure_episode, procedure_state
from tests.factories import PASSWORD
from tests.registry.procedures.helpers import INJECT_AT, counts, day_until


@pytest.fixture
def injected(clinic_world, protocol):
    return day_until(clinic_world, "injection", protocol=protocol)


def _sign(world, episode, password=PASSWORD, meaning="authorship", actor=None):
    return services.procedure_sign(
        episode=episode, actor=actor or world.physician, password=password, meaning=meaning
    )


def test_the_signature_needs_the_password_again(clinic_world, injected):
    before = counts()
    with pytest.raises(ValidationError) as raised:
        _sign(clinic_world, injected, password="not my password")
    assert raised.value.error_dict["password"][0].code == "reauthentication"
    assert counts() == before
    injected.refresh_from_db()
    assert injected.signed_at is None


def test_a_signature_shows_name_time_meaning_and_binds_the_records(clinic_world, injected):
    signature = _sign(clinic_world, injected, meaning="responsibility")
    injected.refresh_from_db()
    assert signature.signed_at == injected.signed_at
    assert injected.signed_by == clinic_world.physician
    assert signature.printed_name == clinic_world.physician.printed_name
    assert signature.get_meaning_display().startswith("Responsibility")
    assert signature.record_sha256 == record_fingerprint(injected)
    event = AuditEntry.objects.get(model="episodes.episode.signature")
    assert event.after["meaning"].startswith("Responsibility")


@pytest.mark.parametrize("meaning", ["", "because"])
def test_the_meaning_is_one_of_the_part_11_meanings(clinic_world, injected, meaning):
    with pytest.raises(ValidationError) as raised:
        _sign(clinic_world, injected, meaning=meaning)
    assert raised.value.error_dict["meaning"][0].code == "invalid_choice"


@pytest.mark.parametrize("role", ["technician", "coordinator", "administrator"])
def test_only_a_physician_signs(clinic_world, injected, role):
    with pytest.raises(PermissionDenied, match="physician"):
        _sign(clinic_world, injected, actor=getattr(clinic_world, role))
    assert not ProcedureSignature.objects.exists()


def test_a_note_is_signed_after_the_injection_and_only_once(clinic_world, protocol):
    labelled = day_until(clinic_world, "label", protocol=protocol)
    with pytest.raises(ValidationError) as raised:
        _sign(clinic_world, labelled)
    assert raised.value.error_dict["signature"][0].code == "injection_first"


def test_signing_twice_is_refused(clinic_world, injected):
    _sign(clinic_world, injected)
    injected.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        _sign(clinic_world, injected)
    assert raised.value.error_dict["signed_at"][0].code == "already_signed"


def test_a_signed_record_changes_only_with_a_reason_and_the_change_is_audited(
    clinic_world, injected
):
    _sign(clinic_world, injected)
    injected.refresh_from_db()
    before = counts()
    with pytest.raises(ValidationError) as raised:
        services.procedure_correct(
            episode=injected,
            actor=clinic_world.technician,
            changes={"concentrate.viability_percent": 93.0},
            now=INJECT_AT,
        )
    assert raised.value.error_dict["reason"][0].code == "reason_required"
    assert counts() == before
    services.procedure_correct(
        episode=injected,
        actor=clinic_world.technician,
        changes={"concentrate.viability_percent": 93.0},
        reason="Transcription error; lab sheet re-read.",
        now=INJECT_AT,
    )
    entry = AuditEntry.objects.filter(model="episodes.composition", action="update").get()
    assert (entry.before, entry.after) == ({"viability_percent": 95.0}, {"viability_percent": 93.0})
    assert entry.reason == "Transcription error; lab sheet re-read."
    state = procedure_state(procedure_episode(clinic_world.physician, injected.pk), now=INJECT_AT)
    assert state.signature_current is False  # the page says the note was changed after signing
