"""Procedure-day endpoints: protocols, the day's records in order (harvest, processing with
composition, label, acknowledgements, wristband-and-label checks, injection, signature),
corrections, safety events and the standardisation report. Every write is a service call, so
roles, the chain of identity and the audit hold here exactly as on the page. Units are in the
field names and descriptions; counts are per mL in absolute numbers (121 × 10⁶ TNC/mL is
121000000)."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from spinereg.registry.access import clinic_ids_for
from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.episodes.models import Episode
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import IdentityCheck, ProcessingProtocol
from spinereg.registry.procedures.selectors import (
    NO_PROTOCOL,
    ProcedureState,
    procedure_episode,
    procedure_state,
    protocols_visible_to,
    safety_events_visible_to,
    standardisation,
)
from spinereg.web.api.lookups import acting_user

router = Router(tags=["procedure day"])

ML = "mL"
PER_ML = "per mL, absolute count (121 × 10⁶ cells/mL is 121000000)"


class ProtocolIn(Schema):
    clinic_id: int
    name: str
    effective_from: date
    harvest_site: str = "posterior_iliac_crest"
    harvest_side: str = Field("", description="left, right, bilateral; empty: either side")
    syringe_volume_ml: float | None = Field(None, description=ML)
    pulls_per_side: int | None = Field(None, description="count")
    needle_gauge: int | None = Field(None, description="G")
    anticoagulant: str
    anticoagulant_volume_ml: float | None = Field(None, description=ML)
    processing_system: str
    g_force: int | None = Field(None, description="× g")
    spin_minutes: float | None = Field(None, description="min")
    spins: int = Field(1, description="count")
    target_aspirate_volume_ml: float | None = Field(None, description=ML)
    target_concentrate_volume_ml: float | None = Field(None, description=ML)
    shelf_life_minutes: int = Field(description="product expiry after harvest, min")
    acceptance_rules: list[dict[str, Any]] = Field(
        default_factory=list,
        description='[{"quantity": "concentrate.viability_percent", "minimum": 90}, …] in '
        "stored units; see docs/procedure-day.md for the quantity codes",
    )
    reason: str = ""


class ProtocolOut(Schema):
    id: int
    clinic_id: int
    name: str
    version: int
    effective_from: date
    effective_to: date | None
    harvest_site: str
    harvest_side: str
    syringe_volume_ml: float | None
    pulls_per_side: int | None
    needle_gauge: int | None
    anticoagulant: str
    anticoagulant_volume_ml: float | None
    processing_system: str
    g_force: int | None
    spin_minutes: float | None
    spins: int
    target_aspirate_volume_ml: float | None
    target_concentrate_volume_ml: float | None
    shelf_life_minutes: int
    acceptance_rules: list[dict[str, Any]]


class HarvestIn(Schema):
    protocol_id: int
    harvested_at: datetime = Field(description="with its time zone")
    site: str = "posterior_iliac_crest"
    side: str
    aspirate_volume_ml: float = Field(description=ML)
    anticoagulant: str
    anticoagulant_volume_ml: float | None = Field(None, description=ML)
    syringe_volume_ml: float | None = Field(None, description=ML)
    pull_count: int | None = Field(None, description="count")
    needle_gauge: int | None = Field(None, description="G")
    performed_by_id: int | None = None
    reason: str = ""


class CompositionIn(Schema):
    tnc_per_ml: float | None = Field(None, description=f"total nucleated cells {PER_ML}")
    mnc_per_ml: float | None = Field(None, description=f"mononuclear cells {PER_ML}")
    cfu_f_per_ml: float | None = Field(None, description="CFU-F colonies per mL")
    cd34_per_ml: float | None = Field(None, description=f"CD34+ cells {PER_ML}")
    platelets_per_ml: float | None = Field(None, description=f"platelets {PER_ML}")
    viability_percent: float | None = Field(None, description="%")
    hematocrit_percent: float | None = Field(None, description="%")


class ProcessingIn(Schema):
    system: str
    lot_number: str = ""
    anticoagulant_lot_number: str = ""
    g_force: int | None = Field(None, description="× g")
    spin_minutes: float | None = Field(None, description="min")
    spins: int = Field(1, description="count")
    started_at: datetime | None = None
    ended_at: datetime | None = None
    concentrate_volume_ml: float = Field(description=ML)
    aspirate: CompositionIn | None = None
    concentrate: CompositionIn | None = None
    centrifugation_only: bool
    culture_or_expansion: bool
    added_agents: str = Field("", description="besides the anticoagulant; empty: none")
    reason: str = ""


class AcknowledgementIn(Schema):
    quantity: str
    comment: str


class IdentityCheckIn(Schema):
    wristband: str = Field(description="the record number on the wristband")
    product_code: str


class TargetIn(Schema):
    level: str
    side: str = "central"
    volume_ml: float = Field(description=ML)


class InjectionIn(IdentityCheckIn):
    approach: str = Field(description="intradiscal or facet")
    guidance: str = Field(description="fluoroscopy, ultrasound or ct")
    targets: list[TargetIn]
    injected_at: datetime = Field(description="with its time zone")
    needle_gauge: int | None = Field(None, description="G")
    contrast: bool = False
    post_procedure_protocol: str = ""
    acknowledge_deviations: bool = False
    acknowledgement_comment: str = ""


class SignatureIn(Schema):
    password: str
    meaning: str = Field(description="authorship, review, approval or responsibility")


class CorrectionIn(Schema):
    changes: dict[str, Any] = Field(
        description='{"harvest.aspirate_volume_ml": 62, "concentrate.viability_percent": 93}'
    )
    reason: str = ""


class IdentityCheckOut(Schema):
    id: int
    episode_id: int
    wristband: str
    product_code: str
    accepted: bool
    refusal: str
    message: str
    channel: str
    checked_at: datetime


class SafetyEventOut(Schema):
    id: int
    clinic_id: int
    episode_id: int
    kind: str
    description: str
    occurred_at: datetime
    reported_by: str

    @staticmethod
    def resolve_reported_by(obj: Any) -> str:
        return str(obj.reported_by)


def _day_or_404(request: HttpRequest, episode_id: int) -> Episode:
    try:
        return procedure_episode(request.user, episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None


def _row(instance: Any, *fields: str) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {field: getattr(instance, field) for field in fields}


def day_out(state: ProcedureState) -> dict[str, Any]:
    """The procedure day as JSON: records, QC, derived metrics, checklist, MIBO, signature."""
    episode = state.episode
    protocol = state.protocol
    metrics = state.metrics
    return {
        "episode_id": episode.pk,
        "patient_id": episode.patient_id,
        "clinic_id": episode.clinic_id,
        "local_date": state.local_date,
        "next_step": state.next_step,
        "protocol": _row(protocol, "id", "name", "version"),
        "harvest": _row(
            state.harvest,
            "harvested_at",
            "site",
            "side",
            "aspirate_volume_ml",
            "anticoagulant",
            "anticoagulant_volume_ml",
            "performed_by_id",
        ),
        "processing": _row(
            state.processing,
            "system",
            "lot_number",
            "g_force",
            "spin_minutes",
            "spins",
            "started_at",
            "ended_at",
            "concentrate_volume_ml",
        ),
        "compositions": {
            fraction: _row(
                composition,
                "tnc_per_ml",
                "mnc_per_ml",
                "cfu_f_per_ml",
                "cd34_per_ml",
                "platelets_per_ml",
                "viability_percent",
                "hematocrit_percent",
            )
            for fraction, composition in state.compositions.items()
        },
        "product": _row(state.product, "product_code", "labelled_at", "expires_at", "used_at"),
        "injections": [
            _row(
                i,
                "id",
                "approach",
                "level",
                "side",
                "guidance",
                "needle_gauge",
                "contrast",
                "volume_ml",
                "injected_at",
            )
            for i in episode.injections.all()
        ],
        "qc": (
            {
                "evaluated_at": state.qc.evaluated_at,
                "trigger": state.qc.trigger,
                "protocol_id": state.qc.protocol_id,
                "results": state.qc.results,
            }
            if state.qc
            else None
        ),
        "pending_deviations": state.pending,
        "derived": {
            "totals": metrics.totals,
            "concentration_factors": metrics.concentration_factors,
            "doses": [asdict(dose) for dose in metrics.doses],
            "injected_volume_ml": metrics.injected_volume_ml,
            "minutes_harvest_to_injection": metrics.minutes_harvest_to_injection,
            "processing_minutes": metrics.processing_minutes,
        },
        "same_procedure": {
            "flagged": state.flagged,
            "items": [
                {"code": i.code, "label": i.label, "status": i.status.value, "message": i.message}
                for i in state.checklist
            ],
        },
        "mibo": {
            "complete": state.mibo.is_complete,
            "missing": [f"{item.domain}.{item.code}" for item in state.mibo.missing],
        },
        "signature": (
            {
                "printed_name": state.signature.printed_name,
                "meaning": state.signature.meaning,
                "signed_at": state.signature.signed_at,
                "record_sha256": state.signature.record_sha256,
                "signer_id": state.signature.signer_id,
                "records_as_signed": state.signature_current,
            }
            if state.signature
            else None
        ),
    }


def _state(request: HttpRequest, episode_id: int) -> dict[str, Any]:
    return day_out(procedure_state(_day_or_404(request, episode_id), now=timezone.now()))


@router.get("/protocols", response=list[ProtocolOut])
def protocol_list(request: HttpRequest) -> Any:
    return protocols_visible_to(request.user).order_by("clinic_id", "name", "-version")


@router.post("/protocols", response={201: ProtocolOut})
def protocol_create(request: HttpRequest, payload: ProtocolIn) -> Status[ProcessingProtocol]:
    clinic = Clinic.objects.filter(
        pk__in=clinic_ids_for(request.user), pk=payload.clinic_id
    ).first()
    if clinic is None:
        raise Http404
    data = payload.dict()
    values = {field: data[field] for field in services.PROTOCOL_FIELDS}
    return Status(
        201,
        services.protocol_create(
            clinic=clinic,
            actor=acting_user(request),
            name=payload.name,
            effective_from=payload.effective_from,
            values=values,
            reason=payload.reason,
        ),
    )


@router.get("/safety-events", response=list[SafetyEventOut])
@paginate(PageNumberPagination, page_size=100)
def safety_event_list(request: HttpRequest) -> Any:
    return safety_events_visible_to(request.user)


@router.get("/reports/standardisation")
def standardisation_report(request: HttpRequest, clinic_id: int, protocol: str) -> dict[str, Any]:
    """One clinic and protocol version (`protocol`: its id, or "none" for procedures recorded
    without a protocol)."""
    if protocol != NO_PROTOCOL and not protocol.isdigit():
        raise Http404
    try:
        clinic, chosen, report = standardisation(request.user, clinic_id, protocol)
    except (Clinic.DoesNotExist, ProcessingProtocol.DoesNotExist):
        raise Http404 from None
    return {
        "clinic_id": clinic.pk,
        "protocol": _row(chosen, "id", "name", "version"),
        **asdict(report),
        "deviation_rate": report.deviation_rate,
        "mibo_complete_share": report.mibo_complete_share,
    }


@router.get("/{episode_id}")
def procedure_day(request: HttpRequest, episode_id: int) -> dict[str, Any]:
    return _state(request, episode_id)


@router.post("/{episode_id}/harvest", response={201: dict[str, Any]})
def harvest_create(request: HttpRequest, episode_id: int, payload: HarvestIn) -> Status[Any]:
    episode = _day_or_404(request, episode_id)
    protocol = ProcessingProtocol.objects.filter(
        clinic_id=episode.clinic_id, pk=payload.protocol_id
    ).first()
    if protocol is None:
        raise Http404
    data = payload.dict()
    data.pop("protocol_id")
    performed_by_id = data.pop("performed_by_id")
    performed_by = None
    if performed_by_id is not None:
        performed_by = User.objects.filter(pk=performed_by_id).first()
        if performed_by is None:
            raise Http404
    services.harvest_record(
        episode=episode,
        actor=acting_user(request),
        protocol=protocol,
        performed_by=performed_by,
        **data,
    )
    return Status(201, _state(request, episode_id))


@router.post("/{episode_id}/processing", response={201: dict[str, Any]})
def processing_create(request: HttpRequest, episode_id: int, payload: ProcessingIn) -> Status[Any]:
    episode = _day_or_404(request, episode_id)
    data = payload.dict()
    for fraction in ("aspirate", "concentrate"):
        data[fraction] = data[fraction] or {}
    services.processing_record(episode=episode, actor=acting_user(request), **data)
    return Status(201, _state(request, episode_id))


@router.post("/{episode_id}/label", response={201: dict[str, Any]})
def label_create(request: HttpRequest, episode_id: int) -> Status[Any]:
    product = services.product_label(
        episode=_day_or_404(request, episode_id), actor=acting_user(request)
    )
    return Status(
        201,
        {
            "product_code": product.product_code,
            "labelled_at": product.labelled_at,
            "expires_at": product.expires_at,
            "label_pdf": f"/procedures/{episode_id}/label.pdf",
        },
    )


@router.post("/{episode_id}/acknowledgements", response={201: dict[str, Any]})
def acknowledgement_create(
    request: HttpRequest, episode_id: int, payload: AcknowledgementIn
) -> Status[Any]:
    services.deviation_acknowledge(
        episode=_day_or_404(request, episode_id),
        actor=acting_user(request),
        quantity=payload.quantity,
        comment=payload.comment,
    )
    return Status(201, _state(request, episode_id))


@router.post("/{episode_id}/identity-checks", response={201: IdentityCheckOut})
def identity_check_create(
    request: HttpRequest, episode_id: int, payload: IdentityCheckIn
) -> Status[IdentityCheck]:
    """Check a wristband against a label. A refusal answers 422 (type: the refusal) and is
    kept as a safety event."""
    check = services.identity_verify(
        episode=_day_or_404(request, episode_id),
        actor=acting_user(request),
        wristband=payload.wristband,
        product_code=payload.product_code,
        channel=IdentityCheck.Channel.API,
    )
    return Status(201, check)


@router.post("/{episode_id}/injections", response={201: dict[str, Any]})
def injection_create(request: HttpRequest, episode_id: int, payload: InjectionIn) -> Status[Any]:
    services.injection_record(
        episode=_day_or_404(request, episode_id),
        actor=acting_user(request),
        wristband=payload.wristband,
        product_code=payload.product_code,
        approach=payload.approach,
        guidance=payload.guidance,
        targets=[services.InjectionTarget(t.level, t.side, t.volume_ml) for t in payload.targets],
        injected_at=payload.injected_at,
        needle_gauge=payload.needle_gauge,
        contrast=payload.contrast,
        post_procedure_protocol=payload.post_procedure_protocol,
        acknowledge_deviations=payload.acknowledge_deviations,
        acknowledgement_comment=payload.acknowledgement_comment,
        channel=IdentityCheck.Channel.API,
    )
    return Status(201, _state(request, episode_id))


@router.post("/{episode_id}/signature", response={201: dict[str, Any]})
def signature_create(request: HttpRequest, episode_id: int, payload: SignatureIn) -> Status[Any]:
    services.procedure_sign(
        episode=_day_or_404(request, episode_id),
        actor=acting_user(request),
        password=payload.password,
        meaning=payload.meaning,
    )
    return Status(201, _state(request, episode_id))


@router.patch("/{episode_id}/records")
def records_correct(request: HttpRequest, episode_id: int, payload: CorrectionIn) -> dict[str, Any]:
    services.procedure_correct(
        episode=_day_or_404(request, episode_id),
        actor=acting_user(request),
        changes=payload.changes,
        reason=payload.reason,
    )
    return _state(request, episode_id)
