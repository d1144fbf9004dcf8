"""Answers given through a follow-up link: one response per instrument of the visit, kept as a
draft until it scores and the patient finishes it, never two for one instrument however often
the form is submitted, and always placed in the visit of the clinic's own schedule.

The patient has no user account, so these writes are audited with no actor; the link (a signed
token for this one schedule item) is what authorised them, and the view checked it."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spinereg.core import instruments
from spinereg.core.errors import RuleViolation
from spinereg.registry.followup.links import clinic_zone
from spinereg.registry.followup.models import LinkAnswer, ScheduleItem
from spinereg.registry.outcomes.models import QuestionnaireResponse, ResponseMode, ResponseStatus
from spinereg.registry.outcomes.services import response_create, response_update

CONTINUED_REASON = "answered by the patient through the follow-up link"


@dataclass(frozen=True)
class LinkAnswerResult:
    response: QuestionnaireResponse
    # True when the instrument had already been completed through this link: a repeated
    # submit (double tap, back button, retry) changed nothing.
    already_complete: bool

    @property
    def is_complete(self) -> bool:
        return self.response.status == ResponseStatus.COMPLETE


def link_progress(item: ScheduleItem) -> dict[str, str]:
    """Status of each of the visit's instruments through this link: "complete", "draft" or
    "todo", in the order the schedule lists them."""
    found = dict(
        LinkAnswer.objects.filter(schedule_item=item).values_list(
            "instrument_id", "response__status"
        )
    )
    return {name: found.get(name, "todo") for name in item.instruments}


def link_answers(item: ScheduleItem, instrument_id: str) -> dict[str, Any]:
    """The answers saved so far for one instrument (a draft to continue), or none."""
    row = (
        LinkAnswer.objects.filter(schedule_item=item, instrument_id=instrument_id)
        .select_related("response")
        .first()
    )
    return dict(row.response.answers) if row is not None else {}


@dataclass(frozen=True)
class ScorePoint:
    """One scored questionnaire of the patient's trajectory: what the link's owner may see."""

    instrument_id: str
    visit: str
    completed_on: date
    days_from_index: int
    value: float


def link_trajectory(item: ScheduleItem) -> list[ScorePoint]:
    """The scores of the link's episode, oldest first: the patient's own trajectory since
    the treatment (their other episodes and everything else stay out of the link's reach)."""
    episode = item.episode
    if episode.index_date is None:
        return []
    zone = clinic_zone(episode.clinic.timezone)
    responses = QuestionnaireResponse.objects.filter(
        episode=episode,
        status=ResponseStatus.COMPLETE,
        value__isnull=False,
        completed_at__isnull=False,
    ).order_by("completed_at", "pk")
    points = []
    for response in responses:
        if response.completed_at is None or response.value is None:  # excluded by the filter
            continue
        day = response.completed_at.astimezone(zone).date()
        points.append(
            ScorePoint(
                instrument_id=response.instrument_id,
                visit=response.timepoint,
                completed_on=day,
                days_from_index=(day - episode.index_date).days,
                value=response.value,
            )
        )
    return points


def _check_answers(instrument_id: str, answers: dict[str, Any]) -> instruments.Score:
    try:
        return instruments.score(instrument_id, answers)
    except RuleViolation as error:
        raise ValidationError(
            {f"answers.{error.field}": ValidationError(error.message, code=error.rule)}
        ) from None


def link_answer_save(
    *,
    item: ScheduleItem,
    instrument_id: str,
    answers: dict[str, Any],
    finish: bool,
    now: datetime,
) -> LinkAnswerResult:
    """Save the patient's answers to one instrument of the visit. Complete only when the
    patient finishes and the answers score; otherwise a draft (never scored as complete). A
    completed instrument is never answered twice: the repeat returns the stored response."""
    if instrument_id not in item.instruments:
        raise ValidationError(
            {
                "instrument_id": ValidationError(
                    f"{instrument_id!r} is not asked at this visit.", code="visit_instrument"
                )
            }
        )
    result = _check_answers(instrument_id, answers)
    status = (
        ResponseStatus.COMPLETE if finish and result.value is not None else ResponseStatus.DRAFT
    )
    at = now.astimezone(clinic_zone(item.episode.clinic.timezone))
    for attempt in range(2):
        try:
            with transaction.atomic():
                link = (
                    LinkAnswer.objects.select_for_update()
                    .select_related("response")
                    .filter(schedule_item=item, instrument_id=instrument_id)
                    .first()
                )
                if link is not None and link.response.status == ResponseStatus.COMPLETE:
                    return LinkAnswerResult(link.response, already_complete=True)
                if link is not None:
                    response = response_update(
                        link.response,
                        actor=None,
                        answers=answers,
                        status=status,
                        reason=CONTINUED_REASON,
                    )
                else:
                    # Placed in the visit whose planned window holds the day: this item, or
                    # none (out of window) in the grace after it, since a link is never valid
                    # into the next window. Completing the visit is response_create's too.
                    response = response_create(
                        patient=item.episode.patient,
                        episode=item.episode,
                        instrument_id=instrument_id,
                        answers=answers,
                        completed_at=at,
                        mode=ResponseMode.WEB,
                        actor=None,
                        status=status,
                        reason=CONTINUED_REASON,
                    )
                    LinkAnswer.objects.create(
                        schedule_item=item, instrument_id=instrument_id, response=response
                    )
                return LinkAnswerResult(response, already_complete=False)
        except IntegrityError:
            # Another submit of the same form won the race and committed first; the loop
            # reads its row and answers as a repeat.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
