"""Writes to outcomes: questionnaire responses (scored by core on save) and adverse events."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spinereg.core import instruments
from spinereg.core.errors import RuleViolation
from spinereg.registry.access import require_clinical_write
from spinereg.registry.accounts.models import User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.episodes.models import Episode
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.outcomes.models import (
    AdverseEvent,
    QuestionnaireResponse,
    ResponseStatus,
)
from spinereg.registry.patients.models import Patient

SERIOUSNESS_CRITERIA = (
    "results_in_death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "medically_important",
)


def response_create(
    *,
    patient: Patient,
    instrument_id: str,
    answers: dict[str, Any],
    completed_at: datetime,
    mode: str,
    actor: User | None,
    episode: Episode | None = None,
    status: str = ResponseStatus.COMPLETE,
    reason: str = "",
) -> QuestionnaireResponse:
    """Score and store a response. The visit is the episode's schedule item whose window holds
    the completion day — the windows planned from the clinic's schedule version in force — and
    a response outside every window is kept and flagged `out_of_window` (DOMAIN.md §8)."""
    if actor is not None:
        require_clinical_write(actor, patient.clinic_id)
    if episode is not None and episode.patient_id != patient.pk:
        raise ValidationError(
            {
                "episode": ValidationError(
                    "The episode belongs to another patient.", code="same_patient"
                )
            }
        )
    result = _scored(instrument_id, answers)
    with transaction.atomic():
        item = None
        days = None
        timepoint = ""
        out_of_window = False
        if episode is not None and episode.index_date is not None:
            day = completed_at.date()
            days = (day - episode.index_date).days
            item = ScheduleItem.objects.filter(
                episode=episode, window_start__lte=day, window_end__gte=day
            ).first()
            if item is None:
                out_of_window = True
            else:
                timepoint = item.visit
        response = record_create(
            QuestionnaireResponse(
                patient=patient,
                episode=episode,
                schedule_item=item,
                instrument_id=instrument_id,
                instrument_version=result.version,
                answers={k: v for k, v in answers.items() if v is not None},
                value=result.value if status == ResponseStatus.COMPLETE else None,
                subscores=result.subscores if status == ResponseStatus.COMPLETE else {},
                not_scored_reason=(result.reason or "")
                if status == ResponseStatus.COMPLETE
                else "draft",
                scoring_version=result.scoring_version,
                timepoint=timepoint,
                days_from_index=days,
                out_of_window=out_of_window,
                completed_at=completed_at,
                mode=mode,
                status=status,
            ),
            actor=actor,
            reason=reason,
        )
        if status == ResponseStatus.COMPLETE:
            _mark_item_completed(item, completed_at)
    return response


def _scored(instrument_id: str, answers: dict[str, Any]) -> instruments.Score:
    """Score with core; an unknown instrument, unknown item or out-of-range answer becomes a
    ValidationError naming `answers.<linkId>` and the rule."""
    if instrument_id not in instruments.instrument_ids():
        raise ValidationError(
            {
                "instrument_id": ValidationError(
                    f"Unknown instrument {instrument_id!r}.", code="known_instrument"
                )
            }
        )
    try:
        return instruments.score(instrument_id, answers)
    except RuleViolation as error:
        raise ValidationError(
            {f"answers.{error.field}": ValidationError(error.message, code=error.rule)}
        ) from None


def _mark_item_completed(item: ScheduleItem | None, completed_at: datetime) -> None:
    """A visit is complete when every instrument it asks for has a complete response."""
    if item is None or item.completed_at is not None:
        return
    outstanding = set(item.instruments) - set(
        QuestionnaireResponse.objects.filter(
            schedule_item=item, status=ResponseStatus.COMPLETE
        ).values_list("instrument_id", flat=True)
    )
    if not outstanding:
        item.completed_at = completed_at
        item.save(update_fields=["completed_at"])


def response_update(
    response: QuestionnaireResponse,
    *,
    actor: User | None,
    answers: dict[str, Any],
    status: str,
    reason: str = "",
) -> QuestionnaireResponse:
    """Continue a draft (or correct a completed response, which needs a reason): re-score and
    save in one audited transaction."""
    if actor is not None:
        require_clinical_write(actor, response.patient.clinic_id)
    result = _scored(response.instrument_id, answers)
    complete = status == ResponseStatus.COMPLETE
    with transaction.atomic():
        record_update(
            response,
            changes={
                "answers": {k: v for k, v in answers.items() if v is not None},
                "status": status,
                "value": result.value if complete else None,
                "subscores": result.subscores if complete else {},
                "not_scored_reason": (result.reason or "") if complete else "draft",
                "scoring_version": result.scoring_version,
                "instrument_version": result.version,
            },
            actor=actor,
            reason=reason,
        )
        if complete:
            _mark_item_completed(response.schedule_item, response.completed_at or timezone.now())
    return response


def _check_seriousness(fields: dict[str, Any]) -> None:
    criteria = [name for name in SERIOUSNESS_CRITERIA if fields.get(name)]
    if fields.get("serious") and not criteria:
        raise ValidationError(
            {
                "serious": ValidationError(
                    "A serious event names at least one ICH E2A criterion.",
                    code="criterion_required",
                )
            }
        )
    if criteria and not fields.get("serious"):
        raise ValidationError(
            {
                "serious": ValidationError(
                    f"{criteria[0]} makes the event serious (ICH E2A).", code="serious_by_criterion"
                )
            }
        )
    if fields.get("severity_grade") == 5 and not fields.get("results_in_death"):
        raise ValidationError(
            {
                "severity_grade": ValidationError(
                    "CTCAE grade 5 is death related to the event.", code="grade5_is_death"
                )
            }
        )


def adverse_event_create(
    *,
    patient: Patient,
    actor: User,
    onset_date: date,
    code: str,
    severity_grade: int,
    episode: Episode | None = None,
    reason: str = "",
    **fields: Any,
) -> AdverseEvent:
    require_clinical_write(actor, patient.clinic_id)
    if episode is not None and episode.patient_id != patient.pk:
        raise ValidationError(
            {
                "episode": ValidationError(
                    "The episode belongs to another patient.", code="same_patient"
                )
            }
        )
    _check_seriousness({**fields, "severity_grade": severity_grade})
    return record_create(
        AdverseEvent(
            patient=patient,
            episode=episode,
            onset_date=onset_date,
            code=code,
            severity_grade=severity_grade,
            **fields,
        ),
        actor=actor,
        reason=reason,
    )


def adverse_event_update(
    event: AdverseEvent, *, actor: User, changes: dict[str, Any], reason: str = ""
) -> AdverseEvent:
    require_clinical_write(actor, event.patient.clinic_id)
    merged = {
        name: getattr(event, name) for name in (*SERIOUSNESS_CRITERIA, "serious", "severity_grade")
    }
    merged.update(changes)
    _check_seriousness(merged)
    return record_update(event, changes=changes, actor=actor, reason=reason)
