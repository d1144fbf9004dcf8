"""What the procedure-day page shows: the day's state from the selectors, the forms of the
steps the user may do (prefilled from the protocol in force), and rows shaped for the template
in the units staff read. Also the helpers every procedure page shares (clinic time)."""

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.http import Http404, HttpRequest
from django.utils import timezone

from spinereg.core.product.identity import REFUSAL_LABELS
from spinereg.core.product.quantities import MEASURES, QUANTITY_BY_CODE, Fraction
from spinereg.core.product.same_procedure import HOMOLOGOUS_USE_NOTE
from spinereg.registry.accounts.models import CLINICAL_ROLES, User
from spinereg.registry.episodes.models import Episode
from spinereg.registry.procedures import services
from spinereg.registry.procedures.facts import related_or_none
from spinereg.registry.procedures.selectors import (
    ProcedureState,
    procedure_episode,
    procedure_state,
    protocols_in_force,
)
from spinereg.web.procedures import forms as day_forms


@contextmanager
def clinic_time(timezone_name: str) -> Iterator[None]:
    """Parse and show times in the clinic's zone: the clinic-local day is the clinical day."""
    with timezone.override(zoneinfo.ZoneInfo(timezone_name)):
        yield


def episode_or_404(request: HttpRequest, episode_id: int) -> Episode:
    try:
        return procedure_episode(request.user, episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None


def staff_of(episode: Episode) -> Any:
    return (
        User.objects.filter(
            memberships__clinic_id=episode.clinic_id, memberships__role__in=CLINICAL_ROLES
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _unit_of(name: str) -> str:
    for suffix, unit in (
        ("_ml", "mL"),
        ("_minutes", "min"),
        ("g_force", "× g"),
        ("gauge", "G"),
        ("_at", "clinic time"),
        ("spins", "count"),
        ("pull_count", "count"),
    ):
        if name.endswith(suffix):
            return f" ({unit})"
    if name in ("centrifugation_only", "culture_or_expansion", "contrast"):
        return " (yes/no)"
    return ""


def correction_choices(episode: Episode) -> list[tuple[str, str]]:
    """Change keys with a label that states the unit the value is typed in."""
    labelled = []
    for key in services.correctable_fields(episode):
        quantity = QUANTITY_BY_CODE.get(key)
        if quantity is not None:
            labelled.append((key, f"{quantity.label} ({quantity.shown_unit})"))
            continue
        parts = key.split(".")
        name = parts[-1]
        record = parts[0] if len(parts) == 2 else f"injection #{parts[1]}"
        labelled.append((key, f"{record.capitalize()} · {name.replace('_', ' ')}{_unit_of(name)}"))
    return labelled


def _initial_harvest(state: ProcedureState) -> dict[str, Any]:
    """Prefilled from the protocol of the day, or the first one in force today."""
    source = state.protocol or protocols_in_force(state.episode.clinic_id, state.local_date).first()
    return {
        "protocol": source.pk if source else None,
        "harvested_at": timezone.localtime().replace(second=0, microsecond=0),
        "site": source.harvest_site if source else "posterior_iliac_crest",
        "side": (source.harvest_side if source else "") or "bilateral",
        "anticoagulant": source.anticoagulant if source else "",
        "anticoagulant_volume_ml": source.anticoagulant_volume_ml if source else None,
        "syringe_volume_ml": source.syringe_volume_ml if source else None,
        "needle_gauge": source.needle_gauge if source else None,
    }


def _initial_processing(state: ProcedureState) -> dict[str, Any]:
    protocol = state.protocol
    if protocol is None:
        return {}
    return {
        "system": protocol.processing_system,
        "g_force": protocol.g_force,
        "spin_minutes": protocol.spin_minutes,
        "spins": protocol.spins,
    }


def _forms(
    request: HttpRequest, state: ProcedureState, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    episode = state.episode
    now_local = timezone.localtime().replace(second=0, microsecond=0)
    made: dict[str, forms.Form] = {
        "harvest": day_forms.HarvestForm(
            initial=_initial_harvest(state),
            protocols=protocols_in_force(episode.clinic_id, state.local_date),
            staff=staff_of(episode),
            auto_id="harvest_%s",
        ),
        "processing": day_forms.ProcessingForm(
            initial=_initial_processing(state), auto_id="processing_%s"
        ),
        "identity": day_forms.IdentityForm(auto_id="identity_%s"),
        "injection": day_forms.InjectionForm(
            initial={
                "injected_at": now_local,
                "contrast": True,
                **{f"targets_{row}_side": "central" for row in range(day_forms.TARGET_ROWS)},
            },
            auto_id="injection_%s",
        ),
        "signature": day_forms.SignForm(auto_id="signature_%s"),
        "correction": day_forms.CorrectionForm(
            fields=correction_choices(episode), auto_id="correction_%s"
        ),
    }
    made.update(bound)
    return made


def _composition_rows(state: ProcedureState) -> list[dict[str, Any]]:
    rows = []
    for measure in MEASURES:
        values = {}
        for fraction in Fraction:
            composition = state.compositions.get(fraction.value)
            value = getattr(composition, measure.code) if composition is not None else None
            values[fraction.value] = None if value is None else value / measure.display_scale
        total = (
            state.metrics.totals.get(f"concentrate.{measure.short}_total")
            if measure.is_count
            else None
        )
        rows.append(
            {
                "measure": measure,
                "aspirate": values["aspirate"],
                "concentrate": values["concentrate"],
                "factor": state.metrics.concentration_factors.get(measure.short),
                "total": None if total is None else total / measure.display_scale,
                "total_unit": measure.display_unit.removesuffix("/mL"),
            }
        )
    return rows


def _shown(quantity: str, value: Any) -> str:
    spec = QUANTITY_BY_CODE.get(quantity)
    if value is None:
        return "—"
    if spec is None or isinstance(value, str):
        return str(value)
    return spec.describe(value)


STATUS_LABELS = {
    "pass": "Pass",
    "deviation": "Deviation",
    "not_measured": "Not measured",
    "met": "Met",
    "broken": "Broken",
    "not_recorded": "Not recorded",
}


def _qc_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **result,
            "shown": _shown(result["quantity"], result["observed"]),
            "status_label": STATUS_LABELS[result["status"]],
        }
        for result in results
    ]


def day_context(
    request: HttpRequest, episode: Episode, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    state = procedure_state(episode, now=timezone.now())
    user = request.user
    steps = (
        "harvest",
        "processing",
        "label",
        "acknowledgement",
        "identity_check",
        "injection",
        "signature",
    )
    return {
        "state": state,
        "episode": episode,
        "patient": episode.patient,
        "identity": related_or_none(episode.patient, "identity"),
        "may": {step: services.may(user, episode.clinic_id, step) for step in steps},
        "forms": _forms(request, state, bound or {}),
        "composition_rows": _composition_rows(state),
        "qc_rows": _qc_rows(state.qc.results if state.qc else []),
        "pending_keys": {d["quantity"] for d in state.pending},
        "checklist_rows": [
            {"item": item, "status_label": STATUS_LABELS[item.status.value]}
            for item in state.checklist
        ],
        "mibo_total": len(state.mibo.present) + len(state.mibo.missing),
        "acknowledge_form": day_forms.AcknowledgeForm(),
        "refusal_labels": {refusal.value: label for refusal, label in REFUSAL_LABELS.items()},
        "homologous_use_note": HOMOLOGOUS_USE_NOTE,
        "doses": [
            {
                "level": dose.level,
                "side": dose.side,
                "volume_ml": dose.volume_ml,
                "minutes": dose.minutes_after_harvest,
                "tnc_millions": (
                    dose.doses["tnc"] / 1e6 if dose.doses["tnc"] is not None else None
                ),
                "cfu_f": dose.doses["cfu_f"],
                "cd34_millions": (
                    dose.doses["cd34"] / 1e6 if dose.doses["cd34"] is not None else None
                ),
            }
            for dose in state.metrics.doses
        ],
    }
