"""Public pages: thin views that parse the request, call one service or selector and render.
Pages reached by a signed link show nothing about anyone unless the link verifies; a forged or
expired link gets one plain page, the same for every failure."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from itertools import groupby
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spinereg.core import instruments
from spinereg.core.candidacy import Outcome
from spinereg.core.instruments.licensed import LICENSED_TEXT_LOADED_URL
from spinereg.core.vocabulary import Sex
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.consent.selectors import (
    clinic_local_date,
    consent_document_current,
    consent_signature_current,
)
from spinereg.registry.consent.services import consent_sign
from spinereg.registry.instruments.services import questionnaire_for
from spinereg.registry.journey import services
from spinereg.registry.journey.links import booking_id_from_token
from spinereg.registry.journey.mail import booking_ics, manage_url
from spinereg.registry.journey.models import Booking, BookingStatus, Decision, Prescreen
from spinereg.registry.journey.selectors import (
    booking_for_link,
    clinics_taking_bookings,
    prescreen_of_booking,
)
from spinereg.registry.journey.slots import Slot, clinic_zone, parse_slot_key, slots_for
from spinereg.web.public.prescreen_form import SECTIONS, YES_NO, parse_answers
from spinereg.web.questionnaires import form_items, parse_numeric_answers

DAYS_PER_PAGE = 7
MAX_SLOTS_PER_PAGE = 150
NRS = "nrs-pain"
ODI = "odi-2.1a"


def _messages() -> dict[str, str]:
    """Rule codes of the services, worded for patients in the active language."""
    return {
        "slot_past": _("That time has already passed. Please choose another."),
        "slot_taken": _("Someone has just taken that time. Please choose another."),
        "slot_offered": _("That time is not offered. Please choose one from the list."),
        "already_booked": _(
            "You already have a consultation booked at this clinic. Use the link in its "
            "confirmation e-mail to change the time."
        ),
        "required": _("Please fill in this field."),
        "invalid": _("Please check this value."),
        "not_future": _("The date of birth cannot be in the future."),
        "plausible": _("Please check the date of birth."),
        "booked": _("This booking is already cancelled."),
        "agreement_required": _("Please tick the box to agree. Without it nothing is signed."),
        "matches_record": _(
            "Please type your full name as you gave it to the clinic, including your family name."
        ),
        "current_document": _(
            "This consent document is no longer current. Please reload the page."
        ),
        "already_answered": _("You have already answered the pre-screen for this booking."),
    }


def _errors(error: ValidationError) -> dict[str, str]:
    words = _messages()
    found: dict[str, str] = {}
    for field, items in error.error_dict.items():
        item = items[0]
        found[field] = words.get(item.code or "", " ".join(item.messages))
    return found


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _language() -> str:
    return (translation.get_language() or "en")[:2]


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "public/link_invalid.html", status=404)


def _signed_booking(
    view: Callable[[HttpRequest, str, Booking], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Give the view the booking its signed link names; a forged, expired or dangling link
    gets the one plain page instead."""

    @wraps(view)
    def with_booking(request: HttpRequest, token: str) -> HttpResponse:
        try:
            booking_id = booking_id_from_token(token)
        except signing.BadSignature:  # SignatureExpired is a BadSignature too
            return _invalid_link(request)
        found = booking_for_link(booking_id)
        if found is None:
            return _invalid_link(request)
        return view(request, token, found)

    return with_booking


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    clinic = context.get("clinic")
    context.setdefault("clinic_name", clinic.name if isinstance(clinic, Clinic) else "")
    return render(request, template, context, status=status)


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return _page(request, "public/about.html", {"language": _language()})


@require_GET
def clinics(request: HttpRequest) -> HttpResponse:
    return _page(request, "public/clinics.html", {"clinics": clinics_taking_bookings()})


def _first_day(raw: str | None, today: date) -> date:
    try:
        chosen = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return min(max(chosen, today), today + timedelta(days=56))


def _days(clinic: Clinic, slots: list[Slot]) -> list[tuple[date, list[tuple[Slot, datetime]]]]:
    zone = clinic_zone(clinic)
    local = [(slot, slot.starts_at.astimezone(zone)) for slot in slots]
    return [(day, list(group)) for day, group in groupby(local, key=lambda pair: pair[1].date())]


def _by_physician(
    day_slots: list[tuple[Slot, datetime]],
) -> list[tuple[str, list[tuple[Slot, datetime]]]]:
    """One group per physician within a day, so a time chip shows only the time."""
    groups: dict[int, tuple[str, list[tuple[Slot, datetime]]]] = {}
    for slot, local in day_slots:
        groups.setdefault(slot.physician_id, (slot.physician_name, []))[1].append((slot, local))
    return list(groups.values())


def _slot_context(
    request: HttpRequest, clinic: Clinic, now: datetime, chosen: str = ""
) -> dict[str, Any]:
    today = clinic_local_date(now, clinic.timezone)
    first = _first_day(request.GET.get("from") or request.POST.get("from"), today)
    days = _days(clinic, slots_for(clinic, first=first, days=DAYS_PER_PAGE, now=now))
    next_from = first + timedelta(days=DAYS_PER_PAGE)
    # Keep the page light (≤ 100 KB) however many physicians share a week: stop at a day
    # boundary once MAX_SLOTS_PER_PAGE are listed; "Later" continues from the next day.
    shown: list[tuple[date, list[tuple[str, list[tuple[Slot, datetime]]]]]] = []
    count = 0
    for day, day_slots in days:
        if shown and count + len(day_slots) > MAX_SLOTS_PER_PAGE:
            next_from = day
            break
        shown.append((day, _by_physician(day_slots[:MAX_SLOTS_PER_PAGE])))
        count += len(day_slots)
    return {
        "clinic": clinic,
        "days": shown,
        "first": first,
        "next_from": next_from.isoformat(),
        "previous_from": (first - timedelta(days=DAYS_PER_PAGE)).isoformat()
        if first > today
        else "",
        "chosen": chosen,
        "tz": clinic.timezone,
    }


def _parse_slot(raw: str) -> tuple[int, datetime] | None:
    return parse_slot_key(raw) if raw else None


@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, code: str) -> HttpResponse:
    clinic = get_object_or_404(clinics_taking_bookings(), code=code)
    now = timezone.now()
    values = {name: request.POST.get(name, "").strip() for name in _PERSON_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        slot = _parse_slot(request.POST.get("slot", ""))
        birth_date = _date_or_none(values["birth_date"])
        for name in ("given_name", "family_name", "email"):
            if not values[name]:
                errors[name] = _messages()["required"]
        if slot is None:
            errors["slot"] = _("Please choose a time.")
        if birth_date is None:
            errors["birth_date"] = _("Please give your date of birth (year, month and day).")
        if slot is not None and birth_date is not None and not errors:
            try:
                booking = services.booking_request_public(
                    clinic=clinic,
                    physician_id=slot[0],
                    starts_at=slot[1],
                    given_name=values["given_name"],
                    family_name=values["family_name"],
                    birth_date=birth_date,
                    email=values["email"],
                    phone=values["phone"],
                    sex=values["sex"] or Sex.UNKNOWN.value,
                    language=_language(),
                    base_url=_base_url(request),
                    now=now,
                )
            except ValidationError as error:
                errors = _errors(error)
            else:
                return redirect(manage_url("", booking) + "?new=1")
    context = _slot_context(request, clinic, now, chosen=request.POST.get("slot", ""))
    context.update({"values": values, "errors": errors, "sexes": _sex_choices()})
    return _page(request, "public/book.html", context, status=422 if errors else 200)


_PERSON_FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "sex")


def _sex_choices() -> list[tuple[str, str]]:
    return [
        (Sex.FEMALE.value, _("Female")),
        (Sex.MALE.value, _("Male")),
        (Sex.OTHER.value, _("Other")),
        (Sex.UNKNOWN.value, _("Prefer not to say")),
    ]


def _date_or_none(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@never_cache
@require_GET
@_signed_booking
def booking(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    prescreen = prescreen_of_booking(found)
    decision = prescreen.decisions.first() if prescreen else None
    return _page(
        request,
        "public/booking.html",
        {
            "booking": found,
            "clinic": found.clinic,
            "token": token,
            "new": request.GET.get("new") == "1",
            "prescreen": prescreen,
            "is_upcoming": found.status == BookingStatus.BOOKED
            and found.starts_at > timezone.now(),
            "consent_offered": decision is not None and decision.decision == Decision.CANDIDATE,
            "tz": found.clinic.timezone,
        },
    )


@require_POST
@_signed_booking
def booking_cancel(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    try:
        services.booking_cancel(found, actor=None, base_url=_base_url(request))
    except ValidationError as error:
        return _page(
            request,
            "public/message.html",
            {"clinic": found.clinic, "message": next(iter(_errors(error).values()))},
            status=422,
        )
    return redirect("public-booking", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
@_signed_booking
def booking_reschedule(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    now = timezone.now()
    errors: dict[str, str] = {}
    if request.method == "POST":
        slot = _parse_slot(request.POST.get("slot", ""))
        if slot is None:
            errors["slot"] = _("Please choose a time.")
        else:
            try:
                replacement = services.booking_reschedule(
                    found,
                    physician_id=slot[0],
                    starts_at=slot[1],
                    actor=None,
                    base_url=_base_url(request),
                    now=now,
                )
            except ValidationError as error:
                errors = _errors(error)
            else:
                return redirect(manage_url("", replacement) + "?new=1")
    context = _slot_context(request, found.clinic, now, chosen=request.POST.get("slot", ""))
    context.update({"booking": found, "token": token, "errors": errors})
    return _page(request, "public/reschedule.html", context, status=422 if errors else 200)


@require_GET
@_signed_booking
def booking_calendar(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    with translation.override(found.language):
        text = booking_ics(
            found,
            link=request.build_absolute_uri(manage_url("", found)),
            cancelled=found.status == BookingStatus.CANCELLED,
        )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="consultation.ics"'
    return response


def _sections(posted: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    """The pre-screen sections with each question's posted value and error."""
    shown = []
    for section in SECTIONS:
        questions = []
        for question in section.questions:
            described = " ".join(
                part
                for part, present in (
                    (f"{question.name}-hint", bool(question.hint)),
                    (f"{question.name}-error", question.name in errors),
                )
                if present
            )
            questions.append(
                {
                    "question": question,
                    "value": posted.get(question.name, ""),
                    "error": errors.get(question.name, ""),
                    "choices": question.choices or YES_NO,
                    "described": described,
                }
            )
        shown.append({"title": section.title, "intro": section.intro, "questions": questions})
    return shown


def _patient_questionnaire(clinic: Clinic, instrument_id: str) -> dict[str, Any] | None:
    """The instrument for the patient, or None when its wording is licensed and the clinic has
    not loaded it (patients never see staff labels such as "Statement 3")."""
    questionnaire = questionnaire_for(clinic.pk, instrument_id, _language())
    urls = {extension.get("url") for extension in questionnaire.get("extension", [])}
    if (
        instruments.load_instrument(instrument_id).licensed_text_required
        and LICENSED_TEXT_LOADED_URL not in urls
    ):
        return None
    return questionnaire


def _instrument_fields(
    questionnaire: dict[str, Any] | None, posted: dict[str, str], errors: dict[str, str]
) -> Any:
    """The questionnaire's items with each one's posted value and error (None: not shown)."""
    if questionnaire is None:
        return None
    fields = form_items(questionnaire, {})
    for field in fields:
        field["posted"] = posted.get(field["link_id"], "")
        field["error"] = errors.get(field["link_id"], "")
    return fields


@never_cache
@require_http_methods(["GET", "POST"])
@_signed_booking
def prescreen(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    if prescreen_of_booking(found) is not None:
        return redirect("public-result", token=token)
    nrs_answers: dict[str, Any] = {}
    odi_answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    odi = _patient_questionnaire(found.clinic, ODI)
    if request.method == "POST":
        answers, errors = parse_answers(request.POST)
        nrs_answers, nrs_errors = parse_numeric_answers(
            request.POST, instruments.load_instrument(NRS).link_ids
        )
        if odi is not None:
            odi_answers, odi_errors = parse_numeric_answers(
                request.POST, instruments.load_instrument(ODI).link_ids
            )
            errors.update(odi_errors)
        errors.update(nrs_errors)
        if "nrs" not in nrs_answers and "nrs" not in errors:
            errors["nrs"] = _("Please answer this question.")
        if not errors:
            try:
                services.prescreen_submit(
                    booking=found,
                    answers=answers,
                    nrs_answers=nrs_answers,
                    odi_answers=odi_answers,
                    language=_language(),
                    base_url=_base_url(request),
                )
            except ValidationError as error:
                errors = _errors(error)
            else:
                return redirect("public-result", token=token)
    posted = {name: str(request.POST.get(name, "")) for name in request.POST}
    return _page(
        request,
        "public/prescreen.html",
        {
            "booking": found,
            "clinic": found.clinic,
            "token": token,
            "sections": _sections(posted, errors),
            "errors": errors,
            "nrs_fields": _instrument_fields(
                _patient_questionnaire(found.clinic, NRS), posted, errors
            ),
            "odi_fields": _instrument_fields(odi, posted, errors),
        },
        status=422 if errors else 200,
    )


def _result_rules(prescreen: Prescreen, language: str) -> dict[str, list[dict[str, Any]]]:
    """The stored rule results in the reader's language, grouped for the page."""
    groups: dict[str, list[dict[str, Any]]] = {"against": [], "review": [], "fits": []}
    for rule in prescreen.result.get("rules", []):
        reason = rule["patient_reason"].get(language) or rule["patient_reason"].get("en", "")
        entry = {**rule, "reason": reason}
        if rule["status"] == "failed" and rule["effect"] == "exclude":
            groups["against"].append(entry)
        elif rule["status"] in ("failed", "missing"):
            groups["review"].append(entry)
        elif rule["status"] == "passed":
            groups["fits"].append(entry)
    return groups


@never_cache
@require_GET
@_signed_booking
def result(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    stored = prescreen_of_booking(found)
    if stored is None:
        return redirect("public-prescreen", token=token)
    language = _language()
    summary = stored.result.get("patient_summary", {})
    seek_care = stored.result.get("seek_care_now_message", {})
    return _page(
        request,
        "public/result.html",
        {
            "booking": found,
            "clinic": found.clinic,
            "token": token,
            "prescreen": stored,
            "outcome": stored.outcome,
            "outcomes": Outcome,
            "summary": summary.get(language) or summary.get("en", ""),
            "seek_care": seek_care.get(language) or seek_care.get("en", ""),
            "groups": _result_rules(stored, language),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_signed_booking
def consent(request: HttpRequest, token: str, found: Booking) -> HttpResponse:
    stored = prescreen_of_booking(found)
    decision = stored.decisions.first() if stored else None
    if decision is None or decision.decision != Decision.CANDIDATE:
        return _page(
            request,
            "public/message.html",
            {
                "clinic": found.clinic,
                "message": _(
                    "The consent form is offered after the physician's decision at your "
                    "consultation."
                ),
            },
        )
    patient = found.patient
    now = timezone.now()
    today = clinic_local_date(now, found.clinic.timezone)
    document = consent_document_current(found.clinic, _language(), today)
    if document is None:
        raise Http404
    errors: dict[str, str] = {}
    signature = consent_signature_current(patient, today)
    if request.method == "POST":
        try:
            signature = consent_sign(
                patient=patient,
                document=document,
                typed_name=request.POST.get("typed_name", ""),
                agreed=request.POST.get("agreed") == "yes",
                actor=None,
                now=now,
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            return redirect("public-consent", token=token)
    return _page(
        request,
        "public/consent.html",
        {
            "booking": found,
            "clinic": found.clinic,
            "token": token,
            "document": document,
            "signature": signature,
            "typed_name": request.POST.get("typed_name", ""),
            "errors": errors,
            "tz": found.clinic.timezone,
        },
        status=422 if errors else 200,
    )
