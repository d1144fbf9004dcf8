"""The pages around the procedure day: the worklist, protocols, the standardisation report
(page and CSV) and the safety events of the clinics a user administers."""

import csv
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from spinereg.core.product.protocol import parse_acceptance_rules
from spinereg.core.product.quantities import QUANTITY_BY_CODE
from spinereg.core.product.report import CSV_COLUMNS, StandardisationReport, report_rows
from spinereg.registry.access import clinic_ids_for
from spinereg.registry.accounts.models import Clinic, Role
from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures import services
from spinereg.registry.procedures.facts import related_or_none
from spinereg.registry.procedures.models import ProcessingProtocol
from spinereg.registry.procedures.selectors import (
    NO_PROTOCOL,
    bmac_episodes_visible_to,
    next_step,
    protocols_visible_to,
    report_clinics_visible_to,
    safety_events_visible_to,
    standardisation,
)
from spinereg.web.api.lookups import acting_user
from spinereg.web.procedures.forms import ProtocolForm, add_service_errors

WORKLIST_SIZE = 50
STEP_LABELS = {
    "harvest": "Harvest to record",
    "processing": "Processing to record",
    "label": "Product to label",
    "injection": "Injection to record",
    "signature": "Note to sign",
    "done": "Signed",
}


def _local(harvest: Any, timezone_name: str) -> datetime | None:
    """A harvest time in its clinic's zone: the clinic-local day is the clinical day."""
    if harvest is None:
        return None
    return timezone.localtime(harvest.harvested_at, zoneinfo.ZoneInfo(timezone_name))


@login_required
@require_GET
@never_cache
def index(request: HttpRequest) -> HttpResponse:
    episodes = (
        bmac_episodes_visible_to(request.user)
        .select_related(
            "patient__identity", "clinic", "harvest", "processing", "product", "procedure_signature"
        )
        .prefetch_related(Prefetch("injections", queryset=Injection.objects.only("pk", "episode")))
        .order_by("-created_at", "-pk")[:WORKLIST_SIZE]
    )
    rows = [
        {
            "episode": e,
            "step": STEP_LABELS[next_step(e)],
            "harvested_local": _local(related_or_none(e, "harvest"), e.clinic.timezone),
        }
        for e in episodes
    ]
    administers = clinic_ids_for(request.user, (Role.ADMINISTRATOR,)).exists()
    return render(
        request,
        "procedures/index.html",
        {"rows": rows, "administers": administers},
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def protocols(request: HttpRequest) -> HttpResponse:
    administered = Clinic.objects.filter(
        pk__in=clinic_ids_for(request.user, (Role.ADMINISTRATOR,))
    ).order_by("name")
    form = ProtocolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        clinic = administered.filter(pk=request.POST.get("clinic") or 0).first()
        if clinic is None:
            raise Http404
        if form.is_valid():
            data = dict(form.cleaned_data)
            values = {
                field: data[field]
                for field in services.PROTOCOL_FIELDS
                if field != "acceptance_rules" and data.get(field) is not None
            }
            values["acceptance_rules"] = form.acceptance_rules()
            try:
                protocol = services.protocol_create(
                    clinic=clinic,
                    actor=acting_user(request),
                    name=data["name"],
                    effective_from=data["effective_from"],
                    values=values,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{protocol} created.")
                return redirect("procedures:protocols")
        status = 422
    listed = [
        {
            "protocol": protocol,
            "ranges": [
                f"{rule.spec.label} {rule.describe()}"
                for rule in parse_acceptance_rules(protocol.acceptance_rules)
            ],
        }
        for protocol in protocols_visible_to(request.user).order_by(
            "clinic__name", "name", "-version"
        )
    ]
    return render(
        request,
        "procedures/protocols.html",
        {
            "protocols": listed,
            "administered": administered,
            "form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@dataclass(frozen=True)
class ReportSelection:
    clinic: Clinic
    clinics: list[Clinic]
    versions: list[ProcessingProtocol]
    choice: str  # a protocol id, or NO_PROTOCOL
    protocol: ProcessingProtocol | None
    report: StandardisationReport


def _report_selection(request: HttpRequest) -> ReportSelection:
    """The clinic and protocol version asked for (default: the first clinic in reach and its
    newest version), and their report."""
    clinics = list(report_clinics_visible_to(request.user).order_by("name"))
    if not clinics:
        raise Http404
    wanted = request.GET.get("clinic", "")
    clinic = next((c for c in clinics if str(c.pk) == wanted), clinics[0])
    versions = list(ProcessingProtocol.objects.filter(clinic=clinic).order_by("name", "-version"))
    choice = request.GET.get("protocol", "")
    if choice != NO_PROTOCOL and not any(str(v.pk) == choice for v in versions):
        choice = str(versions[0].pk) if versions else NO_PROTOCOL
    try:
        _, protocol, result = standardisation(request.user, clinic.pk, choice)
    except (Clinic.DoesNotExist, ProcessingProtocol.DoesNotExist):
        raise Http404 from None
    return ReportSelection(clinic, clinics, versions, choice, protocol, result)


@login_required
@require_GET
@never_cache
def report(request: HttpRequest) -> HttpResponse:
    selection = _report_selection(request)
    return render(
        request,
        "procedures/report.html",
        {
            "selection": selection,
            "no_protocol": NO_PROTOCOL,
            "distributions": _shown_distributions(selection.report),
        },
    )


def _shown_distributions(report: StandardisationReport) -> list[dict[str, Any]]:
    """The distributions in the units staff read (×10⁶ cells/mL), as the forms take them."""
    rows = []
    for row in report.quantities:
        quantity = QUANTITY_BY_CODE[row.quantity]
        d = row.distribution
        values = {
            name: None if getattr(d, name) is None else quantity.shown(getattr(d, name))
            for name in ("mean", "sd", "minimum", "q1", "median", "q3", "maximum")
        }
        rows.append({"label": row.label, "unit": quantity.shown_unit, "n": d.n, **values})
    return rows


@login_required
@require_GET
@never_cache
def report_csv(request: HttpRequest) -> HttpResponse:
    selection = _report_selection(request)
    clinic, protocol = selection.clinic, selection.protocol
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"standardisation-{clinic.code}-{protocol.pk if protocol else NO_PROTOCOL}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.DictWriter(response, fieldnames=["clinic", "protocol", "version", *CSV_COLUMNS])
    writer.writeheader()
    for row in report_rows(selection.report):
        writer.writerow(
            {
                "clinic": clinic.code,
                "protocol": protocol.name if protocol else "(none recorded)",
                "version": protocol.version if protocol else "",
                **{key: "" if value is None else value for key, value in row.items()},
            }
        )
    return response


@login_required
@require_GET
@never_cache
def safety_events(request: HttpRequest) -> HttpResponse:
    if not clinic_ids_for(request.user, (Role.ADMINISTRATOR,)).exists():
        raise Http404
    events = [
        {
            "event": event,
            "local": timezone.localtime(
                event.occurred_at, zoneinfo.ZoneInfo(event.clinic.timezone)
            ),
        }
        for event in safety_events_visible_to(request.user)[:500]
    ]
    return render(request, "procedures/safety_events.html", {"events": events})
