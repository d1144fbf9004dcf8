"""Instrument endpoints: the Questionnaires as FHIR JSON, scoring without storing, and
QuestionnaireResponse ingestion."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.dateparse import parse_datetime
from ninja import Body, Router, Schema, Status

from spinereg.core import instruments
from spinereg.core.errors import RuleViolation
from spinereg.registry.access import clinics_visible_to
from spinereg.registry.instruments.services import questionnaire_for
from spinereg.registry.outcomes import services
from spinereg.web.api.lookups import acting_user, optional_episode, patient_or_404
from spinereg.web.api.schemas import ResponseOut

router = Router(tags=["instruments"])

FHIR_BASE = "https://spinereg.org/fhir"


class ScoreIn(Schema):
    answers: dict[str, Any]


class ScoreOut(Schema):
    instrument_id: str
    version: str
    scoring_version: str
    value: float | None
    subscores: dict[str, float | None]
    answered: int
    reason: str | None
    category: str | None


@router.get("/instruments", response=list[dict[str, Any]])
def instrument_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "versions": list(instruments.instrument_versions(i)),
            "items": list(instruments.load_instrument(i).link_ids),
        }
        for i in instruments.instrument_ids()
    ]


@router.post("/instruments/{instrument_id}/score", response=ScoreOut, url_name="instrument_score")
def instrument_score(request: HttpRequest, instrument_id: str, payload: ScoreIn) -> Any:
    """Score a form without storing anything (the staff form's live score)."""
    if instrument_id not in instruments.instrument_ids():
        raise Http404
    try:
        return instruments.score(instrument_id, payload.answers)
    except RuleViolation as error:
        raise ValidationError(
            {f"answers.{error.field}": ValidationError(error.message, code=error.rule)}
        ) from None


@router.get("/fhir/Questionnaire/{instrument_id}", response=dict[str, Any])
def fhir_questionnaire(
    request: HttpRequest, instrument_id: str, language: str = "en", clinic: int | None = None
) -> dict[str, Any]:
    """The Questionnaire (FHIR R4 JSON). With `clinic`, the clinic's licensed wording where it
    has loaded one; without, the shipped text (staff labels for licensed instruments)."""
    if instrument_id not in instruments.instrument_ids():
        raise Http404
    if clinic is not None:
        if not clinics_visible_to(request.user).filter(pk=clinic).exists():
            raise Http404
        return questionnaire_for(clinic, instrument_id, language)
    try:
        return instruments.load_questionnaire(instrument_id, language)
    except (FileNotFoundError, LookupError, RuleViolation):
        raise Http404 from None


def _answer_value(link_id: str, answer: dict[str, Any]) -> Any:
    for key in ("valueInteger", "valueDecimal"):
        if key in answer:
            return answer[key]
    if "valueCoding" in answer:
        code = answer["valueCoding"].get("code", "")
        try:
            return int(code)
        except ValueError:
            pass
    raise ValidationError(
        {
            f"item.{link_id}.answer": ValidationError(
                "Use valueInteger, valueDecimal or valueCoding with a numeric code.",
                code="answer_type",
            )
        }
    )


@router.post("/fhir/QuestionnaireResponse", response={201: ResponseOut})
def fhir_questionnaire_response(request: HttpRequest, payload: Body[dict[str, Any]]) -> Status[Any]:
    """Accept a FHIR R4 QuestionnaireResponse: `questionnaire` is our canonical URL (with or
    without `|version`), `subject` is `Patient/<id>`, `authored` the completion time, `status`
    `completed` or `in-progress` (kept as a draft). Optional extension
    `https://spinereg.org/fhir/StructureDefinition/mode` (paper, phone, clinic, web) and
    `…/episode` (an episode id)."""
    if payload.get("resourceType") != "QuestionnaireResponse":
        raise ValidationError(
            {
                "resourceType": ValidationError(
                    "Expected a QuestionnaireResponse.", code="resource_type"
                )
            }
        )
    canonical = str(payload.get("questionnaire", "")).split("|", 1)[0]
    instrument_id = canonical.removeprefix(f"{FHIR_BASE}/Questionnaire/")
    if canonical == instrument_id or instrument_id not in instruments.instrument_ids():
        raise ValidationError(
            {
                "questionnaire": ValidationError(
                    f"Unknown Questionnaire {canonical!r}.", code="known_instrument"
                )
            }
        )
    reference = str((payload.get("subject") or {}).get("reference", ""))
    if not reference.startswith("Patient/") or not reference[8:].isdigit():
        raise ValidationError(
            {"subject": ValidationError("Use a reference Patient/<id>.", code="reference")}
        )
    patient = patient_or_404(request, int(reference[8:]))
    authored = parse_datetime(str(payload.get("authored", "")))
    if authored is None or authored.tzinfo is None:
        raise ValidationError(
            {
                "authored": ValidationError(
                    "Give the completion time with its time zone (FHIR dateTime).", code="datetime"
                )
            }
        )
    status = {"completed": "complete", "in-progress": "draft"}.get(str(payload.get("status")))
    if status is None:
        raise ValidationError(
            {"status": ValidationError("Use completed or in-progress.", code="status")}
        )
    answers: dict[str, Any] = {}
    for item in payload.get("item", []):
        link_id = str(item.get("linkId", ""))
        values = [_answer_value(link_id, a) for a in item.get("answer", [])]
        if values:
            answers[link_id] = values[0] if len(values) == 1 else values
    extensions = {e.get("url", ""): e for e in payload.get("extension", [])}
    mode = extensions.get(f"{FHIR_BASE}/StructureDefinition/mode", {}).get("valueCode", "web")
    episode_ext = extensions.get(f"{FHIR_BASE}/StructureDefinition/episode")
    episode = optional_episode(request, episode_ext.get("valueInteger") if episode_ext else None)
    return Status(
        201,
        services.response_create(
            patient=patient,
            instrument_id=instrument_id,
            answers=answers,
            completed_at=authored,
            mode=mode,
            actor=acting_user(request),
            episode=episode,
            status=status,
        ),
    )
