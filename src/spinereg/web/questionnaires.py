"""Staff entry of a questionnaire for a patient: rendered from the instrument's Questionnaire
(with the clinic's licensed wording when loaded), scored by core on save, kept as a draft when
incomplete."""

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from spinereg.core import instruments
from spinereg.registry.access import episodes_visible_to, patients_visible_to
from spinereg.registry.instruments.services import questionnaire_for
from spinereg.registry.outcomes.models import QuestionnaireResponse, ResponseMode, ResponseStatus
from spinereg.registry.outcomes.services import response_create, response_update
from spinereg.registry.patients.models import Patient
from spinereg.web.api.lookups import acting_user


def form_items(questionnaire: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answerable items of a Questionnaire as simple field descriptions for the template."""
    instrument = instruments.instrument_from_questionnaire(questionnaire)
    texts = _texts(questionnaire.get("item", []))
    fields = []
    for item in instrument.items:
        text, displays = texts.get(item.link_id, (item.label, {}))
        field: dict[str, Any] = {
            "link_id": item.link_id,
            "text": text,
            "value": answers.get(item.link_id),
        }
        if item.codes is not None:
            field["kind"] = "choice"
            field["options"] = [(code, displays.get(str(code), str(code))) for code in item.codes]
        else:
            field["kind"] = "number"
            field["min"], field["max"] = item.minimum, item.maximum
            field["step"] = 10 ** -(item.decimal_places or 0)
        fields.append(field)
    return fields


def _texts(items: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, str]]]:
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for item in items:
        if item.get("type") == "group":
            found.update(_texts(item.get("item", [])))
        elif item.get("type") != "display":
            displays = {
                option["valueCoding"]["code"]: option["valueCoding"].get("display", "")
                for option in item.get("answerOption", [])
                if "valueCoding" in option
            }
            found[item["linkId"]] = (item.get("text", item["linkId"]), displays)
    return found


def parse_numeric_answers(
    post: Any, link_ids: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Numbers from a posted form, by linkId; blanks are unanswered. Range checks are core's."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for link_id in link_ids:
        raw = post.get(link_id, "").strip()
        if not raw:
            continue
        try:
            number = float(raw)
        except ValueError:
            errors[link_id] = f"{raw!r} is not a number."
            continue
        answers[link_id] = int(number) if number.is_integer() else number
    return answers, errors


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_entry(
    request: HttpRequest, patient_id: int, response_id: int | None = None
) -> HttpResponse:
    patient = get_object_or_404(patients_visible_to(request.user), pk=patient_id)
    draft = None
    if response_id is not None:
        draft = get_object_or_404(QuestionnaireResponse, pk=response_id, patient=patient)
        instrument_id = draft.instrument_id
    else:
        instrument_id = request.GET.get("instrument") or request.POST.get("instrument", "")
    if instrument_id not in instruments.instrument_ids():
        return render(
            request,
            "web/questionnaire_pick.html",
            {"patient": patient, "instruments": instruments.instrument_ids()},
        )
    language = request.GET.get("language", patient.language)
    questionnaire = questionnaire_for(patient.clinic_id, instrument_id, language)
    instrument = instruments.load_instrument(instrument_id)
    episodes = episodes_visible_to(request.user).filter(patient=patient)
    answers: dict[str, Any] = dict(draft.answers) if draft else {}
    errors: dict[str, str] = {}
    message = ""
    if request.method == "POST":
        answers, errors = parse_numeric_answers(request.POST, instrument.link_ids)
        if not errors:
            outcome = _save(request, patient, instrument_id, answers, draft, episodes)
            if isinstance(outcome, QuestionnaireResponse):
                return redirect(
                    "questionnaire-saved", patient_id=patient.pk, response_id=outcome.pk
                )
            errors = outcome
        message = "Please correct the answers marked below."
    return render(
        request,
        "web/questionnaire_form.html",
        {
            "patient": patient,
            "questionnaire": questionnaire,
            "instrument_id": instrument_id,
            "fields": form_items(questionnaire, answers),
            "errors": errors,
            "message": message,
            "draft": draft,
            "episodes": episodes,
            "modes": ResponseMode.choices,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "copyright": questionnaire.get("copyright", ""),
        },
    )


def _save(
    request: HttpRequest,
    patient: Patient,
    instrument_id: str,
    answers: dict[str, Any],
    draft: QuestionnaireResponse | None,
    episodes: Any,
) -> Any:
    """Save as complete when the form scores (or the user saves explicitly as complete), else
    keep it as a draft. Returns the response, or the errors by field."""
    wants_draft = "save_draft" in request.POST
    try:
        result = instruments.score(instrument_id, answers)
    except ValueError as error:
        return {getattr(error, "field", "answers"): getattr(error, "message", str(error))}
    status = (
        ResponseStatus.DRAFT if wants_draft or result.value is None else ResponseStatus.COMPLETE
    )
    try:
        if draft is not None:
            return response_update(
                draft,
                actor=acting_user(request),
                answers=answers,
                status=status,
                reason=request.POST.get("reason", ""),
            )
        completed_at = _completed_at(request.POST.get("completed_at", ""))
        episode_id = request.POST.get("episode", "")
        episode = episodes.filter(pk=episode_id).first() if episode_id.isdigit() else None
        return response_create(
            patient=patient,
            instrument_id=instrument_id,
            answers=answers,
            completed_at=completed_at,
            mode=request.POST.get("mode", ResponseMode.CLINIC),
            actor=acting_user(request),
            episode=episode,
            status=status,
        )
    except ValidationError as error:
        return {
            field.removeprefix("answers."): " ".join(e.messages)
            for field, e_list in error.error_dict.items()
            for e in e_list
        }


def _completed_at(raw: str) -> datetime:
    parsed = parse_datetime(raw) if raw else None
    if parsed is None:
        return timezone.now()
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
def questionnaire_saved(request: HttpRequest, patient_id: int, response_id: int) -> HttpResponse:
    patient = get_object_or_404(patients_visible_to(request.user), pk=patient_id)
    response = QuestionnaireResponse.objects.filter(pk=response_id, patient=patient).first()
    if response is None:
        raise Http404
    return render(
        request,
        "web/questionnaire_saved.html",
        {"patient": patient, "response": response},
    )
