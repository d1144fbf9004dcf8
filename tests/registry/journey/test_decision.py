"""The physician records the final candidacy decision beside the engine's; disagreeing needs a
reason, kept in the audit trail; each decision records the rules version that produced the
engine's result. Staff follow red-flag alerts up."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.journey.models import CandidacyDecision, ClinicAlert
from spinereg.registry.journey.services import (
    candidacy_decide,
    clinic_alert_acknowledge,
    prescreen_submit,
)
from spinereg.registry.journey.services.candidacy import decision_agrees
from tests.registry.journey.helpers import BASE_URL, ELIGIBLE_ANSWERS, NOW, NRS_7, ODI_44, book


def _prescreen(world, **answers):
    return prescreen_submit(
        booking=book(world),
        answers={**ELIGIBLE_ANSWERS, **answers},
        nrs_answers=NRS_7,
        odi_answers=ODI_44,
        language="en",
        base_url=BASE_URL,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("engine", "decision", "agrees"),
    [
        ("likely_candidate", "candidate", True),
        ("likely_candidate", "not_candidate", False),
        ("not_candidate", "not_candidate", True),
        ("not_candidate", "candidate", False),
        ("needs_review", "candidate", True),
        ("needs_review", "not_candidate", True),
    ],
)
def test_agreement_with_the_engine(engine, decision, agrees):
    assert decision_agrees(engine, decision) is agrees


def test_agreeing_needs_no_reason_and_records_the_rules_version(bookable):
    prescreen = _prescreen(bookable)
    decision = candidacy_decide(prescreen=prescreen, decision="candidate", actor=bookable.physician)
    assert (decision.engine_outcome, decision.agrees_with_engine) == ("likely_candidate", True)
    assert decision.rules_version == prescreen.rules_version
    assert decision.physician == bookable.physician
    entry = AuditEntry.objects.get(model="journey.candidacydecision")
    assert entry.actor == bookable.physician


def test_disagreeing_without_a_reason_is_refused_and_saves_nothing(bookable):
    prescreen = _prescreen(bookable)
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        candidacy_decide(
            prescreen=prescreen, decision="not_candidate", reason="  ", actor=bookable.physician
        )
    assert raised.value.error_dict["reason"][0].code == "reason_required"
    assert not CandidacyDecision.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_a_disagreement_and_its_reason_are_audited(bookable):
    prescreen = _prescreen(bookable, progressive_weakness=True)
    reason = "Weakness is long-standing and stable on examination; EMG unchanged."
    decision = candidacy_decide(
        prescreen=prescreen, decision="candidate", reason=reason, actor=bookable.physician
    )
    assert (decision.engine_outcome, decision.agrees_with_engine) == ("not_candidate", False)
    entry = AuditEntry.objects.get(model="journey.candidacydecision")
    assert entry.reason == reason
    assert entry.after["agrees_with_engine"] is False
    assert entry.patient_id == prescreen.patient_id


def test_only_a_physician_of_the_clinic_decides(bookable):
    prescreen = _prescreen(bookable)
    with pytest.raises(ValidationError) as raised:
        candidacy_decide(prescreen=prescreen, decision="candidate", actor=bookable.coordinator)
    assert raised.value.error_dict["actor"][0].code == "physician_only"
    with pytest.raises(PermissionDenied):
        candidacy_decide(prescreen=prescreen, decision="candidate", actor=bookable.other)
    assert not CandidacyDecision.objects.exists()


def test_an_unknown_decision_is_refused(bookable):
    prescreen = _prescreen(bookable)
    with pytest.raises(ValidationError) as raised:
        candidacy_decide(prescreen=prescreen, decision="maybe", actor=bookable.physician)
    assert raised.value.error_dict["decision"][0].code == "choice"


def test_an_alert_is_acknowledged_once_by_the_clinic(bookable):
    _prescreen(bookable, fever_or_infection=True)
    alert = ClinicAlert.objects.get()
    with pytest.raises(PermissionDenied):
        clinic_alert_acknowledge(alert, actor=bookable.other)
    clinic_alert_acknowledge(alert, actor=bookable.coordinator, note="Called; sent to A&E.")
    alert.refresh_from_db()
    assert alert.acknowledged_by == bookable.coordinator
    assert alert.note == "Called; sent to A&E."
    with pytest.raises(ValidationError) as raised:
        clinic_alert_acknowledge(alert, actor=bookable.physician)
    assert raised.value.error_dict["acknowledged_at"][0].code == "already_acknowledged"
