"""The procedure-day page and its steps. Thin: parse the form, call one service, show the day
again. Times are parsed and shown in the clinic's time zone; a refused step answers 422 (403
for a role that may not do it) with the message beside the field."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from spinereg.core.product.quantities import QUANTITY_BY_CODE, Fraction
from spinereg.registry.accounts.models import User
from spinereg.registry.episodes.models import Episode
from spinereg.registry.procedures import services
from spinereg.registry.procedures.facts import related_or_none
from spinereg.registry.procedures.models import ProcessingProtocol
from spinereg.web.api.lookups import acting_user
from spinereg.web.procedures import forms as day_forms
from spinereg.web.procedures.context import (
    clinic_time,
    correction_choices,
    day_context,
    episode_or_404,
    staff_of,
)
from spinereg.web.procedures.label import label_pdf


@login_required
@require_GET
@never_cache
def day(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_or_404(request, episode_id)
    with clinic_time(episode.clinic.timezone):
        return render(request, "procedures/day.html", day_context(request, episode))


def _step(
    request: HttpRequest,
    episode_id: int,
    *,
    section: str,
    form_class: Callable[..., forms.Form],
    form_kwargs: Callable[[Episode], dict[str, Any]] | None = None,
    action: Callable[[forms.Form, Episode, User], str],
) -> HttpResponse:
    """Parse `form_class`, run `action` (which calls one service and returns the message to
    show), and go back to the section; on refusal show the day again with the form's errors."""
    episode = episode_or_404(request, episode_id)
    with clinic_time(episode.clinic.timezone):
        extra = form_kwargs(episode) if form_kwargs else {}
        form = form_class(request.POST, auto_id=f"{section}_%s", **extra)
        status = 422
        denied = ""
        if form.is_valid():
            try:
                message = action(form, episode, acting_user(request))
            except ValidationError as error:
                day_forms.add_service_errors(form, error)
            except PermissionDenied as error:
                denied = str(error) or "Not allowed."
                status = 403
            else:
                messages.success(request, message)
                return redirect(reverse("procedures:day", args=[episode.pk]) + f"#{section}")
        fresh = episode_or_404(request, episode_id)  # a refused check added rows to show
        context = day_context(request, fresh, {section: form})
        context["failed_section"] = section
        context["denied"] = denied
        return render(request, "procedures/day.html", context, status=status)


def _harvest(form: forms.Form, episode: Episode, actor: User) -> str:
    data = form.cleaned_data
    services.harvest_record(
        episode=episode,
        actor=actor,
        protocol=data["protocol"],
        harvested_at=data["harvested_at"],
        site=data["site"],
        side=data["side"],
        aspirate_volume_ml=data["aspirate_volume_ml"],
        anticoagulant=data["anticoagulant"],
        anticoagulant_volume_ml=data["anticoagulant_volume_ml"],
        syringe_volume_ml=data["syringe_volume_ml"],
        pull_count=data["pull_count"],
        needle_gauge=data["needle_gauge"],
        performed_by=data["performed_by"],
    )
    return "Harvest recorded."


@login_required
@require_POST
def harvest(request: HttpRequest, episode_id: int) -> HttpResponse:
    def kwargs(episode: Episode) -> dict[str, Any]:
        # Any version of the clinic parses; the service checks it is in force on the day.
        return {
            "protocols": ProcessingProtocol.objects.filter(clinic_id=episode.clinic_id),
            "staff": staff_of(episode),
        }

    return _step(
        request,
        episode_id,
        section="harvest",
        form_class=day_forms.HarvestForm,
        form_kwargs=kwargs,
        action=_harvest,
    )


def _yes(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _processing(form: forms.Form, episode: Episode, actor: User) -> str:
    assert isinstance(form, day_forms.ProcessingForm)
    data = form.cleaned_data
    centrifugation_only, culture = (
        _yes(data["centrifugation_only"]),
        _yes(data["culture_or_expansion"]),
    )
    if centrifugation_only is None or culture is None:
        raise ValidationError(
            {
                name: ValidationError("Answer yes or no.", code="required")
                for name, value in (
                    ("centrifugation_only", centrifugation_only),
                    ("culture_or_expansion", culture),
                )
                if value is None
            }
        )
    services.processing_record(
        episode=episode,
        actor=actor,
        system=data["system"],
        lot_number=data["lot_number"],
        anticoagulant_lot_number=data["anticoagulant_lot_number"],
        g_force=data["g_force"],
        spin_minutes=data["spin_minutes"],
        spins=data["spins"],
        started_at=data["started_at"],
        ended_at=data["ended_at"],
        concentrate_volume_ml=data["concentrate_volume_ml"],
        aspirate=form.composition(Fraction.ASPIRATE),
        concentrate=form.composition(Fraction.CONCENTRATE),
        centrifugation_only=centrifugation_only,
        culture_or_expansion=culture,
        added_agents=data["added_agents"],
    )
    return "Processing and composition recorded; QC evaluated."


@login_required
@require_POST
def processing(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request,
        episode_id,
        section="processing",
        form_class=day_forms.ProcessingForm,
        action=_processing,
    )


def _label(form: forms.Form, episode: Episode, actor: User) -> str:
    product = services.product_label(episode=episode, actor=actor)
    return f"Product {product.product_code} labelled; print the label."


@login_required
@require_POST
def label(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(request, episode_id, section="label", form_class=forms.Form, action=_label)


def _acknowledge(form: forms.Form, episode: Episode, actor: User) -> str:
    services.deviation_acknowledge(
        episode=episode,
        actor=actor,
        quantity=form.cleaned_data["quantity"],
        comment=form.cleaned_data["comment"],
    )
    return "Deviation acknowledged."


@login_required
@require_POST
def acknowledge(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request,
        episode_id,
        section="qc",
        form_class=day_forms.AcknowledgeForm,
        action=_acknowledge,
    )


def _identity(form: forms.Form, episode: Episode, actor: User) -> str:
    services.identity_verify(
        episode=episode,
        actor=actor,
        wristband=form.cleaned_data["wristband"],
        product_code=form.cleaned_data["product_code"],
        channel="page",
    )
    return "Wristband and label match."


@login_required
@require_POST
def identity_check(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request, episode_id, section="identity", form_class=day_forms.IdentityForm, action=_identity
    )


def _injection(form: forms.Form, episode: Episode, actor: User) -> str:
    assert isinstance(form, day_forms.InjectionForm)
    data = form.cleaned_data
    services.injection_record(
        episode=episode,
        actor=actor,
        wristband=data["wristband"],
        product_code=data["product_code"],
        approach=data["approach"],
        guidance=data["guidance"],
        targets=[services.InjectionTarget(*target) for target in form.targets()],
        injected_at=data["injected_at"],
        needle_gauge=data["needle_gauge"],
        contrast=data["contrast"],
        post_procedure_protocol=data["post_procedure_protocol"],
        acknowledge_deviations=data["acknowledge_deviations"],
        acknowledgement_comment=data["comment"],
        channel="page",
    )
    return "Wristband and label matched; injection recorded."


@login_required
@require_POST
def injection(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request,
        episode_id,
        section="injection",
        form_class=day_forms.InjectionForm,
        action=_injection,
    )


def _correction(form: forms.Form, episode: Episode, actor: User) -> str:
    key = form.cleaned_data["field"]
    value: Any = form.cleaned_data["value"]
    quantity = QUANTITY_BY_CODE.get(key)
    if quantity is not None and quantity.display_scale != 1.0 and value.strip():
        try:
            value = float(value) * quantity.display_scale
        except ValueError:
            raise ValidationError(
                {"value": ValidationError(f"{value!r} is not a number.", code="invalid")}
            ) from None
    services.procedure_correct(
        episode=episode, actor=actor, changes={key: value}, reason=form.cleaned_data["reason"]
    )
    return "Correction recorded."


@login_required
@require_POST
def correction(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request,
        episode_id,
        section="correction",
        form_class=day_forms.CorrectionForm,
        form_kwargs=lambda episode: {"fields": correction_choices(episode)},
        action=_correction,
    )


def _sign(form: forms.Form, episode: Episode, actor: User) -> str:
    services.procedure_sign(
        episode=episode,
        actor=actor,
        password=form.cleaned_data["password"],
        meaning=form.cleaned_data["meaning"],
    )
    return "Procedure note signed."


@login_required
@require_POST
def sign(request: HttpRequest, episode_id: int) -> HttpResponse:
    return _step(
        request, episode_id, section="signature", form_class=day_forms.SignForm, action=_sign
    )


@login_required
@require_GET
@never_cache
def label_pdf_view(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_or_404(request, episode_id)
    product = related_or_none(episode, "product")
    identity = related_or_none(episode.patient, "identity")
    harvest_row = related_or_none(episode, "harvest")
    if product is None or identity is None or harvest_row is None:
        raise Http404
    pdf = label_pdf(
        product_code=product.product_code,
        patient_name=identity.full_name,
        birth_date=identity.birth_date,
        record_number=identity.mrn,
        harvested_at=harvest_row.harvested_at,
        expires_at=product.expires_at,
        timezone_name=episode.clinic.timezone,
        clinic_name=episode.clinic.name,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{product.product_code}.pdf"'
    return response
