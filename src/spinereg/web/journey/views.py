"""Staff pages of the journey. Thin: parse, call one service or selector, render. Every read of
a patient goes through the access chokepoint (missing and forbidden alike are 404)."""

import contextlib
from datetime import date, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spinereg.core.candidacy import default_rules
from spinereg.registry.access import clinics_visible_to
from spinereg.registry.accounts.models import Membership, Role, User
from spinereg.registry.consent.selectors import (
    clinic_local_date,
    consent_document_current,
    consent_signature_current,
)
from spinereg.registry.consent.services import consent_sign
from spinereg.registry.journey import services
from spinereg.registry.journey.models import Decision, ExceptionKind, Weekday
from spinereg.registry.journey.selectors import (
    alerts_visible_to,
    availability_visible_to,
    bookings_upcoming,
    candidacy_overview,
    prescreens_visible_to,
)
from spinereg.registry.patients.models import Patient
from spinereg.web.api.lookups import acting_user


def _field_errors(error: ValidationError) -> dict[str, str]:
    if not hasattr(error, "error_dict"):
        return {"__all__": " ".join(error.messages)}
    return {field: " ".join(e.messages) for field, items in error.error_dict.items() for e in items}


def _overview(request: HttpRequest, patient_id: int) -> tuple[Patient, list[Any]]:
    try:
        return candidacy_overview(request.user, patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None


def _answers_table(answers: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every declared input in file order with the patient's answer (informational ones too)."""
    inputs = default_rules().inputs
    rows = []
    for name, spec in inputs.items():
        if name in answers:
            rows.append((spec.label["en"], answers[name]))
    return rows


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def candidacy(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient, prescreens = _overview(request, patient_id)
    latest = prescreens[0] if prescreens else None
    errors: dict[str, str] = {}
    if request.method == "POST" and latest is not None:
        try:
            services.candidacy_decide(
                prescreen=latest,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                actor=acting_user(request),
            )
        except ValidationError as error:
            errors = _field_errors(error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return redirect("journey-candidacy", patient_id=patient.pk)
    today = clinic_local_date(timezone.now(), patient.clinic.timezone)
    return render(
        request,
        "journey/candidacy.html",
        {
            "patient": patient,
            "prescreen": latest,
            "earlier": prescreens[1:],
            "answers": _answers_table(latest.answers) if latest else [],
            "decisions": latest.decisions.all() if latest else [],
            "decision_choices": Decision.choices,
            "errors": errors,
            "posted": request.POST,
            "signature": consent_signature_current(patient, today),
        },
        status=422 if errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient signs on a clinic device with staff present (the staff user is the actor)."""
    patient, _prescreens = _overview(request, patient_id)
    now = timezone.now()
    today = clinic_local_date(now, patient.clinic.timezone)
    language = request.GET.get("language") or patient.language
    document = consent_document_current(patient.clinic, language, today)
    errors: dict[str, str] = {}
    if request.method == "POST" and document is not None:
        try:
            consent_sign(
                patient=patient,
                document=document,
                typed_name=request.POST.get("typed_name", ""),
                agreed=request.POST.get("agreed") == "yes",
                actor=acting_user(request),
                now=now,
            )
        except ValidationError as error:
            errors = _field_errors(error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return redirect("journey-consent", patient_id=patient.pk)
    return render(
        request,
        "journey/consent.html",
        {
            "patient": patient,
            "document": document,
            "signature": consent_signature_current(patient, today),
            "errors": errors,
            "typed_name": request.POST.get("typed_name", ""),
        },
        status=422 if errors else 200,
    )


@login_required
@never_cache
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    rows = alerts_visible_to(request.user)
    labels = {rule.id: rule.clinician["failed"] for rule in default_rules().rules}
    return render(
        request,
        "journey/alerts.html",
        {
            "open": [
                (alert, [labels.get(flag, flag) for flag in alert.red_flags])
                for alert in rows
                if alert.acknowledged_at is None
            ],
            "done": [alert for alert in rows if alert.acknowledged_at is not None][:50],
        },
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(alerts_visible_to(request.user), pk=alert_id)
    # Already acknowledged by a colleague, or a role that may not: the list shows the state.
    with contextlib.suppress(ValidationError, PermissionDenied):
        services.clinic_alert_acknowledge(
            alert, actor=acting_user(request), note=request.POST.get("note", "")
        )
    return redirect("journey-alerts")


@login_required
@never_cache
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    upcoming = bookings_upcoming(request.user, timezone.now())[:200]
    outcomes = {
        prescreen.booking_id: prescreen.outcome
        for prescreen in prescreens_visible_to(request.user).filter(
            booking_id__in=[booking.pk for booking in upcoming]
        )
    }
    return render(
        request,
        "journey/bookings.html",
        {
            "rows": [(booking, outcomes.get(booking.pk)) for booking in upcoming],
        },
    )


def _time_or_none(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _date_or_none(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() else default


def _availability_post(request: HttpRequest) -> None:
    post = request.POST
    clinic = get_object_or_404(clinics_visible_to(request.user), pk=_int(post.get("clinic", ""), 0))
    physician = get_object_or_404(User, pk=_int(post.get("physician", ""), 0))
    start_time = _time_or_none(post.get("start_time", ""))
    end_time = _time_or_none(post.get("end_time", ""))
    if post.get("form") == "template":
        valid_from = _date_or_none(post.get("valid_from", ""))
        if start_time is None or end_time is None or valid_from is None:
            raise ValidationError(
                {"start_time": ValidationError("Give start, end and first day.", code="required")}
            )
        services.availability_template_create(
            clinic=clinic,
            physician=physician,
            weekday=_int(post.get("weekday", ""), 0),
            start_time=start_time,
            end_time=end_time,
            slot_minutes=_int(post.get("slot_minutes", ""), 30),
            capacity=_int(post.get("capacity", ""), 1),
            valid_from=valid_from,
            valid_until=_date_or_none(post.get("valid_until", "")),
            actor=acting_user(request),
        )
    else:
        day = _date_or_none(post.get("date", ""))
        if day is None:
            raise ValidationError({"date": ValidationError("Give the day.", code="required")})
        services.availability_exception_create(
            clinic=clinic,
            physician=physician,
            day=day,
            kind=post.get("kind", ExceptionKind.CLOSED),
            start_time=start_time,
            end_time=end_time,
            slot_minutes=_int(post.get("slot_minutes", ""), 30),
            capacity=_int(post.get("capacity", ""), 1),
            note=post.get("note", ""),
            actor=acting_user(request),
        )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            _availability_post(request)
        except ValidationError as error:
            errors = _field_errors(error)
        except PermissionDenied as error:
            errors = {"__all__": str(error)}
        else:
            return redirect("journey-availability")
    templates, exceptions = availability_visible_to(request.user)
    clinics = clinics_visible_to(request.user)
    physicians = (
        Membership.objects.filter(clinic__in=clinics, role=Role.PHYSICIAN)
        .select_related("user", "clinic")
        .order_by("clinic__name", "user__last_name")
    )
    return render(
        request,
        "journey/availability.html",
        {
            "templates": templates,
            "exceptions": exceptions.filter(date__gte=timezone.localdate()),
            "clinics": clinics,
            "physicians": physicians,
            "weekdays": Weekday.choices,
            "kinds": ExceptionKind.choices,
            "errors": errors,
            "posted": request.POST,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def availability_delete(request: HttpRequest, kind: str, row_id: int) -> HttpResponse:
    templates, exceptions = availability_visible_to(request.user)
    reason = request.POST.get("reason", "").strip() or "removed on the availability page"
    try:
        if kind == "template":
            services.availability_template_delete(
                get_object_or_404(templates, pk=row_id), actor=acting_user(request), reason=reason
            )
        elif kind == "exception":
            services.availability_exception_delete(
                get_object_or_404(exceptions, pk=row_id), actor=acting_user(request), reason=reason
            )
        else:
            raise Http404
    except PermissionDenied:
        raise Http404 from None
    return redirect("journey-availability")
