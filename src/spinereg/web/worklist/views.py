"""The coordinators' follow-up worklist: overdue and missed visits of one clinic with the last
message sent and a "send the link again" button, the completion rate per timepoint, and the
patient's contact channel. Thin: parse, call one selector or service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spinereg.core.schedule import ItemStatus
from spinereg.registry.access import clinics_visible_to, patients_visible_to
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.followup.links import clinic_today, valid_until
from spinereg.registry.followup.models import Channel
from spinereg.registry.followup.selectors import (
    WORKLIST_STATUSES,
    clinic_schedule,
    completion_by_timepoint,
    contact_channel,
    schedule_items_visible_to,
    worklist_items,
)
from spinereg.registry.followup.services import contact_preference_set, notification_resend
from spinereg.web.api.lookups import acting_user

PAGE_SIZE = 50


def _clinic(request: HttpRequest) -> Clinic:
    """The clinic asked for (?clinic=), else the first the user works in; a user with no
    clinical role has no worklist (404, like any record out of reach)."""
    clinics = list(clinics_visible_to(request.user))
    if not clinics:
        raise Http404
    wanted = request.GET.get("clinic", "")
    return next((c for c in clinics if str(c.pk) == wanted), clinics[0])


def _errors(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            " ".join(e.messages) for errors in error.error_dict.values() for e in errors
        )
    return " ".join(error.messages)


@login_required
@require_GET
@never_cache
def worklist(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    today = clinic_today(clinic.timezone, timezone.now())
    status = request.GET.get("status", "")
    statuses = (status,) if status in WORKLIST_STATUSES else tuple(WORKLIST_STATUSES)
    visit = request.GET.get("visit", "")
    items = worklist_items(
        request.user, clinic_id=clinic.pk, today=today, statuses=statuses, visit=visit
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = []
    for item in page:
        last_day = valid_until(item.window_end, getattr(item, "next_window_start", None))
        rows.append({"item": item, "valid_until": last_day, "can_resend": today <= last_day})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "worklist/worklist.html",
        {
            "clinic": clinic,
            "clinics": clinics_visible_to(request.user),
            "today": today,
            "status": status,
            "statuses": [s.value for s in WORKLIST_STATUSES],
            "visit": visit,
            "visits": [v.code for v in clinic_schedule(clinic.pk).visits],
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "completion": completion_by_timepoint(request.user, clinic_id=clinic.pk, today=today),
            "overdue": ItemStatus.OVERDUE.value,
        },
    )


@login_required
@require_POST
def resend(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        schedule_items_visible_to(request.user).select_related(
            "episode__clinic", "episode__patient"
        ),
        pk=item_id,
    )
    try:
        notification_resend(
            item=item, actor=acting_user(request), reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, f"Not sent again: {_errors(error)}")
    except PermissionDenied:
        return HttpResponse("Your role may not send follow-up links.", status=403)
    else:
        messages.success(
            request,
            f"The {item.visit} link is queued and goes out at the worker's next pass.",
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("worklist:index")
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def contact(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(
        patients_visible_to(request.user).select_related("identity", "clinic"), pk=patient_id
    )
    if not clinics_visible_to(request.user).filter(pk=patient.clinic_id).exists():
        raise Http404  # a patient's own portal account does not manage follow-up contact
    error = ""
    if request.method == "POST":
        try:
            contact_preference_set(
                patient=patient,
                channel=request.POST.get("channel", ""),
                actor=acting_user(request),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as refused:
            error = _errors(refused)
        except PermissionDenied:
            return HttpResponse("Your role may not change contact details.", status=403)
        else:
            messages.success(request, "Follow-up contact saved.")
            return redirect("worklist:contact", patient_id=patient.pk)
    return render(
        request,
        "worklist/contact.html",
        {
            "patient": patient,
            "channel": contact_channel(patient.pk),
            "channels": Channel.choices,
            "error": error,
        },
        status=422 if error else 200,
    )
