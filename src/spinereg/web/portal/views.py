"""The patient's follow-up pages, reached from the e-mailed or texted link (no password).

The link grants one visit: its questionnaires, one per page, saved as drafts until finished,
and afterwards the patient's own trajectory. An invalid, expired or finished link shows a plain
page with no patient data. The trajectory is shown right after finishing, in the same browser
session; opening the finished link again later only says thank you, so a forwarded or
overheard link does not reveal scores."""

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from spinereg.core import instruments
from spinereg.registry.followup.links import LinkCheck, LinkRefusal, link_check
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.followup.portal import (
    link_answer_save,
    link_answers,
    link_progress,
    link_trajectory,
)
from spinereg.registry.followup.selectors import clinic_schedule
from spinereg.registry.instruments.services import questionnaire_for
from spinereg.web.portal.trajectory import instrument_label, plotted, trajectory_svg
from spinereg.web.questionnaires import form_items

# How long after finishing the same browser may still see the trajectory.
TRAJECTORY_GRANT_SECONDS = 2 * 3600
LICENSED_REQUIRED_URL = "https://spinereg.org/fhir/StructureDefinition/licensed-text-required"
LICENSED_LOADED_URL = "https://spinereg.org/fhir/StructureDefinition/licensed-text-loaded"
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
REFUSAL_STATUS = {
    LinkRefusal.INVALID: 404,
    LinkRefusal.EXPIRED: 410,
    LinkRefusal.CLOSED: 410,
    LinkRefusal.COMPLETED: 200,
    LinkRefusal.NOT_YET_OPEN: 200,
}


def _language(request: HttpRequest, item: ScheduleItem | None) -> str:
    """`?lang=` first, then the language the patient chose before (cookie), then the language
    on their record."""
    for chosen in (request.GET.get("lang"), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        if chosen in SUPPORTED_LANGUAGES:
            return str(chosen)
    if item is not None:
        return str(item.episode.patient.language)
    return translation.get_language() or settings.LANGUAGE_CODE


def _render(
    request: HttpRequest,
    template: str,
    item: ScheduleItem | None,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    with translation.override(_language(request, item)):
        response = render(request, template, context, status=status)
    # The token is in the path: never send it to another site. Not "no-referrer", which makes
    # browsers post forms with `Origin: null` and so fail Django's CSRF origin check.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _grant_key(item: ScheduleItem) -> str:
    return f"followup-finished-{item.pk}"


def _granted(request: HttpRequest, item: ScheduleItem) -> bool:
    finished_at = request.session.get(_grant_key(item))
    return isinstance(finished_at, int | float) and (
        time.time() - finished_at < TRAJECTORY_GRANT_SECONDS
    )


def _refused(request: HttpRequest, check: LinkCheck) -> HttpResponse:
    """A plain page saying why. No patient data, not even the clinic's name: whoever holds an
    old or forwarded link learns nothing from it. The patient's language is still used."""
    item = check.item if check.refusal != LinkRefusal.INVALID else None
    return _render(
        request,
        "portal/refused.html",
        item,
        {"refusal": check.refusal or LinkRefusal.INVALID, "opens_on": check.opens_on},
        status=REFUSAL_STATUS[check.refusal or LinkRefusal.INVALID],
    )


def visit_label(item: ScheduleItem) -> str:
    """ "3 months after your treatment", from the visit's target day in the clinic's schedule."""
    target_day = next(
        (
            v.target_day
            for v in clinic_schedule(item.episode.clinic_id).visits
            if v.code == item.visit
        ),
        None,
    )
    if target_day is None or target_day <= 0:
        return _("before your treatment")
    if target_day < 60:
        weeks = round(target_day / 7)
        return ngettext(
            "%(count)d week after your treatment", "%(count)d weeks after your treatment", weeks
        ) % {"count": weeks}
    months = round(target_day / (365.25 / 12))
    return ngettext(
        "%(count)d month after your treatment", "%(count)d months after your treatment", months
    ) % {"count": months}


def _open_link(request: HttpRequest, token: str) -> tuple[ScheduleItem | None, HttpResponse | None]:
    """The item of a usable link, or the page to show instead. A link whose questionnaires are
    all finished goes to the trajectory in the session that finished them, else says thank
    you."""
    check = link_check(token, now=timezone.now())
    item = check.item
    if item is not None and check.refusal in (None, LinkRefusal.COMPLETED):
        finished = check.refusal == LinkRefusal.COMPLETED or all(
            state == "complete" for state in link_progress(item).values()
        )
        if finished:
            if _granted(request, item):
                return None, redirect("portal:done", token=token)
            return None, _refused(request, LinkCheck(item, LinkRefusal.COMPLETED))
    if check.refusal is not None or item is None:
        return None, _refused(request, check)
    return item, None


def _context(item: ScheduleItem, token: str, **extra: Any) -> dict[str, Any]:
    patient = item.episode.patient
    identity = getattr(patient, "identity", None)
    return {
        "token": token,
        "clinic_name": item.episode.clinic.name,
        "first_name": getattr(identity, "given_name", ""),
        "visit_label": visit_label(item),
        **extra,
    }


@never_cache
@require_GET
def start(request: HttpRequest, token: str) -> HttpResponse:
    item, refusal = _open_link(request, token)
    if refusal is not None:
        return refusal
    assert item is not None
    progress = link_progress(item)
    with translation.override(_language(request, item)):
        rows = [
            {"instrument_id": name, "label": instrument_label(name), "state": state}
            for name, state in progress.items()
        ]
        context = _context(item, token, rows=rows, saved=request.GET.get("saved") == "1")
    next_instrument = next((row for row in rows if row["state"] != "complete"), None)
    context["next_instrument"] = next_instrument
    context["started"] = any(row["state"] != "todo" for row in rows)
    return _render(request, "portal/start.html", item, context)


def _is_demo_wording(questionnaire: dict[str, Any]) -> bool:
    """Licensed wording is required and the clinic has not loaded it: the form shows the
    shipped short labels, which the page must mark as demo wording."""
    urls = {
        extension.get("url"): extension.get("valueBoolean", True)
        for extension in questionnaire.get("extension", [])
    }
    return bool(urls.get(LICENSED_REQUIRED_URL)) and LICENSED_LOADED_URL not in urls


def _parse(post: Any, link_ids: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for link_id in link_ids:
        raw = str(post.get(link_id, "")).strip().replace(",", ".")
        if not raw:
            continue
        try:
            number = float(raw)
        except ValueError:
            errors[link_id] = _("Please give a number.")
            continue
        answers[link_id] = int(number) if number.is_integer() else number
    return answers, errors


def _next_step(item: ScheduleItem, token: str) -> str:
    pending = [name for name, state in link_progress(item).items() if state != "complete"]
    if pending:
        return reverse("portal:questionnaire", kwargs={"token": token, "instrument_id": pending[0]})
    return reverse("portal:done", kwargs={"token": token})


@never_cache
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str, instrument_id: str) -> HttpResponse:
    item, refusal = _open_link(request, token)
    if refusal is not None:
        return refusal
    assert item is not None
    if instrument_id not in item.instruments:
        raise Http404
    language = _language(request, item)
    progress = link_progress(item)
    if progress[instrument_id] == "complete":
        return redirect(_next_step(item, token))
    form = questionnaire_for(item.episode.clinic_id, instrument_id, language)
    instrument = instruments.load_instrument(instrument_id)
    answers = link_answers(item, instrument_id)
    errors: dict[str, str] = {}
    message = ""
    if request.method == "POST":
        answers, errors = _parse(request.POST, instrument.link_ids)
        finish = "save_later" not in request.POST
        if not errors:
            try:
                result = link_answer_save(
                    item=item,
                    instrument_id=instrument_id,
                    answers=answers,
                    finish=finish,
                    now=timezone.now(),
                )
            except ValidationError as error:
                errors = {
                    field.removeprefix("answers."): " ".join(e.messages)
                    for field, e_list in error.error_dict.items()
                    for e in e_list
                }
            else:
                if not finish:
                    return redirect(reverse("portal:start", kwargs={"token": token}) + "?saved=1")
                if result.is_complete:
                    step = _next_step(item, token)
                    if step.endswith("/done/"):
                        request.session[_grant_key(item)] = time.time()
                    return redirect(step)
                with translation.override(language):
                    message = _(
                        "Some questions are not answered yet. Your answers are saved; please "
                        "answer the rest, or come back later with the same link."
                    )
        if errors and not message:
            with translation.override(language):
                message = _("Please check the answers marked below.")
    names = list(progress)
    with translation.override(language):
        context = _context(
            item,
            token,
            instrument_id=instrument_id,
            title=form.get("title", instrument_id),
            fields=_with_layout(form_items(form, answers), errors),
            errors=errors,
            message=message,
            demo_wording=_is_demo_wording(form),
            copyright=form.get("copyright", ""),
            position=names.index(instrument_id) + 1,
            total=len(names),
        )
    return _render(
        request, "portal/questionnaire.html", item, context, status=422 if errors else 200
    )


def _with_layout(fields: list[dict[str, Any]], errors: dict[str, str]) -> list[dict[str, Any]]:
    """A row of numbered boxes for 0–10 style scales, a list for worded answers, and each
    field's error beside it."""
    for field in fields:
        field["error"] = errors.get(field["link_id"], "")
        options = field.get("options", [])
        field["scale"] = bool(options) and all(len(str(display)) <= 3 for _c, display in options)
    return fields


def _finished_item(request: HttpRequest, token: str) -> ScheduleItem:
    """The item of a link finished in this browser session; anything else is not found."""
    check = link_check(token, now=timezone.now())
    item = check.item
    if item is None or not _granted(request, item):
        raise Http404
    return item


@never_cache
@require_GET
def done(request: HttpRequest, token: str) -> HttpResponse:
    check = link_check(token, now=timezone.now())
    item = check.item
    if item is None or not _granted(request, item):
        # Not finished in this browser: the plain page for the link's state.
        item, refusal = _open_link(request, token)
        if refusal is not None:
            return refusal
        return redirect("portal:start", token=token)
    points = link_trajectory(item)
    with translation.override(_language(request, item)):
        rows = [
            {
                "completed_on": point.completed_on,
                "label": instrument_label(point.instrument_id),
                "value": point.value,
            }
            for point in points
        ]
        context = _context(item, token, rows=rows, has_plot=bool(plotted(points)))
    return _render(request, "portal/done.html", item, context)


@never_cache
@require_GET
def trajectory(request: HttpRequest, token: str) -> HttpResponse:
    item = _finished_item(request, token)
    with translation.override(_language(request, item)):
        svg = trajectory_svg(link_trajectory(item))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Referrer-Policy"] = "same-origin"
    return response
