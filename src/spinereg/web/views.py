"""Staff, patient and researcher pages. Thin: parse the request, call a selector, render."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from spinereg.core.vocabulary import Condition, TreatmentKind, choices
from spinereg.registry.access import clinics_visible_to, is_researcher
from spinereg.registry.patients.models import Patient
from spinereg.registry.patients.selectors import (
    FOLLOWUP_FILTERS,
    PatientFilters,
    patient_history,
    patient_timeline,
    patients_matching,
    score_series,
)
from spinereg.registry.research.selectors import research_summary
from spinereg.web.api.lookups import acting_user
from spinereg.web.context_processors import navigation_flags
from spinereg.web.pagination import CountedPaginator
from spinereg.web.plots import score_plot_svg

PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    nav = navigation_flags(request.user)
    if nav["staff"]:
        return redirect("patient-list")
    if nav["research"]:
        return redirect("research")
    if Patient.objects.filter(user=request.user).exists():
        return redirect("my-record")
    return render(request, "web/no_role.html")


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
@never_cache
def patient_list(request: HttpRequest) -> HttpResponse:
    filters = PatientFilters(
        q=request.GET.get("q", "")[:100],
        condition=request.GET.get("condition", ""),
        treatment=request.GET.get("treatment", ""),
        followup=request.GET.get("followup", ""),
        clinic=_int_or_none(request.GET.get("clinic")),
    )
    today = timezone.localdate()
    paginator = CountedPaginator(
        patients_matching(request.user, filters, today),
        PAGE_SIZE,
        count_queryset=patients_matching(request.user, filters, today, for_count=True),
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/patient_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "clinics": clinics_visible_to(request.user),
            "conditions": choices(Condition),
            "treatments": choices(TreatmentKind),
            "followups": FOLLOWUP_FILTERS,
        },
    )


def _timeline_context(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    try:
        patient = patient_timeline(request.user, patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    return {"patient": patient, "today": timezone.localdate()}


@login_required
@require_GET
@never_cache
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    return render(request, "web/patient_detail.html", _timeline_context(request, patient_id))


@login_required
@require_GET
@never_cache
def patient_scores_svg(request: HttpRequest, patient_id: int) -> HttpResponse:
    context = _timeline_context(request, patient_id)
    svg = score_plot_svg(score_series(context["patient"]))
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
@require_GET
@never_cache
def patient_history_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    try:
        patient, entries = patient_history(request.user, patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "web/patient_history.html",
        {"patient": patient, "page": page},
    )


@login_required
@require_GET
@never_cache
def my_record(request: HttpRequest) -> HttpResponse:
    patient = Patient.objects.filter(user=acting_user(request)).only("pk").first()
    if patient is None:
        raise Http404
    return render(request, "web/patient_detail.html", _timeline_context(request, patient.pk))


@login_required
@require_GET
@never_cache
def research(request: HttpRequest) -> HttpResponse:
    if not is_researcher(request.user):
        raise Http404
    return render(
        request,
        "web/research.html",
        {"summary": research_summary(request.user)},
    )
