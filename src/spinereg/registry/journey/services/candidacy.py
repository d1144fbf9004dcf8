"""The pre-screen (answers, baseline NRS and ODI, the engine's result with its rules version),
red-flag alerts to the clinic, and the physician's candidacy decision beside the engine's."""

from collections.abc import Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spinereg.core import candidacy, instruments
from spinereg.core.errors import RuleViolation
from spinereg.registry.access import holds_role, require_clinical_write
from spinereg.registry.accounts.models import Role, User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.consent.selectors import clinic_local_date
from spinereg.registry.journey.mail import send_red_flag_alert
from spinereg.registry.journey.models import (
    Booking,
    CandidacyDecision,
    ClinicAlert,
    Decision,
    Prescreen,
)
from spinereg.registry.outcomes.models import QuestionnaireResponse, ResponseMode
from spinereg.registry.outcomes.services import response_create
from spinereg.registry.patients.models import Patient

PUBLIC_REASON = "public pre-screen"
NRS = "nrs-pain"
ODI = "odi-2.1a"


def age_years(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def _score(instrument_id: str, answers: Mapping[str, Any], prefix: str) -> float | None:
    if not answers:
        return None
    try:
        return instruments.score(instrument_id, dict(answers)).value
    except RuleViolation as error:
        raise ValidationError(
            {f"{prefix}.{error.field}": ValidationError(error.message, code=error.rule)}
        ) from None


def _response(
    patient: Patient, instrument_id: str, answers: Mapping[str, Any], at: datetime
) -> QuestionnaireResponse | None:
    if not answers:
        return None
    return response_create(
        patient=patient,
        instrument_id=instrument_id,
        answers=dict(answers),
        completed_at=at,
        mode=ResponseMode.WEB,
        actor=None,
        reason=PUBLIC_REASON,
    )


def prescreen_submit(
    *,
    booking: Booking,
    answers: Mapping[str, object],
    nrs_answers: Mapping[str, Any],
    odi_answers: Mapping[str, Any],
    language: str,
    base_url: str,
    now: datetime | None = None,
    rules: candidacy.RuleSet | None = None,
) -> Prescreen:
    """Store the patient's pre-screen from their signed link: the baseline NRS and ODI as
    questionnaire responses (scored by core), the answers, and the engine's result as the
    patient sees it. A red flag opens a clinic alert and e-mails the clinic after the commit.
    Age comes from the date of birth on record, not from an answer."""
    now = now or timezone.now()
    patient = booking.patient
    if Prescreen.objects.filter(booking=booking).exists():
        raise ValidationError(
            {
                "booking": ValidationError(
                    "The pre-screen for this booking has already been answered.",
                    code="already_answered",
                )
            }
        )
    today = clinic_local_date(now, booking.clinic.timezone)
    engine_input: dict[str, object] = {
        **answers,
        "age_years": age_years(patient.identity.birth_date, today),
        "nrs_pain": _score(NRS, nrs_answers, "nrs"),
        "odi_percent": _score(ODI, odi_answers, "odi"),
    }
    try:
        result = candidacy.evaluate(engine_input, rules)
    except RuleViolation as error:
        raise ValidationError(
            {error.field: ValidationError(error.message, code=error.rule)}
        ) from None
    with transaction.atomic():
        prescreen = record_create(
            Prescreen(
                patient=patient,
                booking=booking,
                answers=engine_input,
                nrs_response=_response(patient, NRS, nrs_answers, now),
                odi_response=_response(patient, ODI, odi_answers, now),
                outcome=result.outcome.value,
                red_flags=list(result.red_flags),
                result=result.as_dict(),
                rules_id=result.rules_id,
                rules_version=result.rules_version,
                language=language,
                submitted_at=now,
            ),
            actor=None,
            reason=PUBLIC_REASON,
        )
        if result.red_flags:
            alert = record_create(
                ClinicAlert(
                    clinic_id=booking.clinic_id,
                    patient=patient,
                    prescreen=prescreen,
                    red_flags=list(result.red_flags),
                    created_at=now,
                ),
                actor=None,
                reason=PUBLIC_REASON,
            )
            transaction.on_commit(partial(send_red_flag_alert, alert.pk, base_url))
    return prescreen


def decision_agrees(engine_outcome: str, decision: str) -> bool:
    """A decision agrees with the engine when it says the same; "needs review" defers to the
    physician, so either decision agrees with it."""
    if engine_outcome == candidacy.Outcome.NEEDS_REVIEW:
        return True
    if engine_outcome == candidacy.Outcome.LIKELY_CANDIDATE:
        return decision == Decision.CANDIDATE
    return decision == Decision.NOT_CANDIDATE


def candidacy_decide(
    *,
    prescreen: Prescreen,
    decision: str,
    actor: User,
    reason: str = "",
    now: datetime | None = None,
) -> CandidacyDecision:
    """The physician's final decision at the consultation. Disagreeing with the engine needs a
    reason, which the audit entry keeps with the decision."""
    patient = prescreen.patient
    require_clinical_write(actor, patient.clinic_id)
    if not holds_role(actor, (Role.PHYSICIAN,), patient.clinic_id):
        raise ValidationError(
            {
                "actor": ValidationError(
                    "Only a physician of this clinic records the candidacy decision.",
                    code="physician_only",
                )
            }
        )
    if decision not in Decision.values:
        raise ValidationError(
            {
                "decision": ValidationError(
                    f"{decision!r} is not one of {', '.join(Decision.values)}.", code="choice"
                )
            }
        )
    agrees = decision_agrees(prescreen.outcome, decision)
    reason = reason.strip()
    if not agrees and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    f"The engine's outcome was {prescreen.outcome}; give the reason for "
                    "deciding otherwise.",
                    code="reason_required",
                )
            }
        )
    return record_create(
        CandidacyDecision(
            patient=patient,
            prescreen=prescreen,
            physician=actor,
            decision=decision,
            engine_outcome=prescreen.outcome,
            agrees_with_engine=agrees,
            reason=reason,
            rules_id=prescreen.rules_id,
            rules_version=prescreen.rules_version,
            decided_at=now or timezone.now(),
        ),
        actor=actor,
        reason=reason,
    )


def clinic_alert_acknowledge(
    alert: ClinicAlert, *, actor: User, note: str = "", now: datetime | None = None
) -> ClinicAlert:
    """Staff record that they followed the red flag up."""
    require_clinical_write(actor, alert.clinic_id)
    if alert.acknowledged_at is not None:
        raise ValidationError(
            {
                "acknowledged_at": ValidationError(
                    "This alert is already acknowledged.", code="already_acknowledged"
                )
            }
        )
    return record_update(
        alert,
        changes={
            "acknowledged_at": now or timezone.now(),
            "acknowledged_by": actor,
            "note": note.strip()[:500],
        },
        actor=actor,
    )
