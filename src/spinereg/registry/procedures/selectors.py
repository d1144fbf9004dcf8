"""Reads of the procedure day, always from the access chokepoint (`episodes_visible_to`,
`clinic_ids_for`): a procedure of another clinic is missing, not forbidden."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from spinereg.core.product.metrics import DerivedMetrics, derive_metrics, observation
from spinereg.core.product.mibo import MiboReport, mibo_completeness
from spinereg.core.product.protocol import ProtocolSpec
from spinereg.core.product.record import ProcedureRecord, clinic_local_date
from spinereg.core.product.report import (
    ProcedureSummary,
    StandardisationReport,
    standardisation_report,
)
from spinereg.core.product.same_procedure import (
    ChecklistItem,
    is_flagged,
    same_procedure_checklist,
)
from spinereg.core.vocabulary import TreatmentKind
from spinereg.registry.access import clinic_ids_for, episodes_visible_to
from spinereg.registry.accounts.models import CLINICAL_ROLES, Clinic, Role
from spinereg.registry.episodes.models import Composition, Episode, Injection
from spinereg.registry.procedures.facts import (
    procedure_record,
    protocol_spec,
    record_fingerprint,
    related_or_none,
    same_procedure_facts,
)
from spinereg.registry.procedures.models import (
    IdentityCheck,
    ProcedureSignature,
    ProcessingProtocol,
    QcEvaluation,
    SafetyEvent,
)
from spinereg.registry.procedures.services.qc import latest_qc, pending_deviations

NO_PROTOCOL = "none"


def bmac_episodes_visible_to(user: Any) -> QuerySet[Episode]:
    """BMAC episodes the user sees as clinical staff. The procedure day is a staff workflow:
    a patient reads their own record on the timeline, not here."""
    return episodes_visible_to(user).filter(
        kind=TreatmentKind.BMAC.value, clinic_id__in=clinic_ids_for(user)
    )


def procedure_episode(user: Any, episode_id: int) -> Episode:
    """One BMAC episode with everything its day page shows. Raises Episode.DoesNotExist for
    missing, forbidden and non-BMAC episodes alike."""
    return (
        bmac_episodes_visible_to(user)
        .select_related(
            "patient__identity",
            "clinic",
            "harvest__performed_by",
            "processing__performed_by",
            "product",
            "procedure_day__protocol",
            "procedure_signature__signer",
            "signed_by",
        )
        .prefetch_related(
            "processing__compositions",
            Prefetch("injections", queryset=Injection.objects.order_by("injected_at", "pk")),
            "deviation_acknowledgements__acknowledged_by",
            Prefetch(
                "identity_checks",
                queryset=IdentityCheck.objects.select_related("checked_by").order_by(
                    "-checked_at", "-pk"
                ),
            ),
            "safety_events",
        )
        .get(pk=episode_id)
    )


@dataclass(frozen=True)
class ProcedureState:
    """Everything the procedure-day page and the API show, computed once."""

    episode: Episode
    timezone_name: str
    local_date: date  # clinic-local day of the harvest (or of `now` before it)
    protocol: ProcessingProtocol | None
    spec: ProtocolSpec | None
    record: ProcedureRecord
    compositions: dict[str, Composition]
    metrics: DerivedMetrics
    observed: dict[str, float | str | None]
    qc: QcEvaluation | None
    pending: list[dict[str, Any]]
    checklist: tuple[ChecklistItem, ...]
    flagged: bool
    mibo: MiboReport
    signature: ProcedureSignature | None
    signature_current: bool | None
    product_expired: bool | None
    next_step: str

    @property
    def harvest(self) -> Any:
        return related_or_none(self.episode, "harvest")

    @property
    def processing(self) -> Any:
        return related_or_none(self.episode, "processing")

    @property
    def product(self) -> Any:
        return related_or_none(self.episode, "product")

    @property
    def day(self) -> Any:
        return related_or_none(self.episode, "procedure_day")


def next_step(episode: Episode) -> str:
    """The day's next step to record; "done" once the note is signed."""
    if related_or_none(episode, "harvest") is None:
        return "harvest"
    if related_or_none(episode, "processing") is None:
        return "processing"
    if related_or_none(episode, "product") is None:
        return "label"
    if not episode.injections.all():
        return "injection"
    if episode.signed_at is None and related_or_none(episode, "procedure_signature") is None:
        return "signature"
    return "done"


def _checked_codes(episode: Episode) -> dict[str, bool]:
    """Product code → whether any wristband-and-label check of it on this episode passed."""
    codes: dict[str, bool] = {}
    for check in episode.identity_checks.all():
        codes[check.product_code] = codes.get(check.product_code, False) or check.accepted
    return codes


def procedure_state(episode: Episode, *, now: datetime) -> ProcedureState:
    day = related_or_none(episode, "procedure_day")
    protocol = day.protocol if day is not None else None
    record = procedure_record(episode)
    processing = related_or_none(episode, "processing")
    compositions = (
        {c.fraction: c for c in processing.compositions.all()} if processing is not None else {}
    )
    timezone_name = episode.clinic.timezone
    harvest = related_or_none(episode, "harvest")
    local = clinic_local_date(harvest.harvested_at if harvest else now, timezone_name)
    qc = latest_qc(episode)
    pending = pending_deviations(episode, qc.deviations) if qc is not None else []
    checklist = same_procedure_checklist(
        same_procedure_facts(episode, record, checked_codes=_checked_codes(episode))
    )
    signature = related_or_none(episode, "procedure_signature")
    product = related_or_none(episode, "product")
    return ProcedureState(
        episode=episode,
        timezone_name=timezone_name,
        local_date=local,
        protocol=protocol,
        spec=protocol_spec(protocol) if protocol is not None else None,
        record=record,
        compositions=compositions,
        metrics=derive_metrics(record),
        observed=observation(record),
        qc=qc,
        pending=pending,
        checklist=checklist,
        flagged=is_flagged(checklist),
        mibo=mibo_completeness(record),
        signature=signature,
        signature_current=(
            record_fingerprint(episode) == signature.record_sha256 if signature else None
        ),
        product_expired=(None if product is None or product.used_at else now >= product.expires_at),
        next_step=next_step(episode),
    )


def protocols_visible_to(user: Any) -> QuerySet[ProcessingProtocol]:
    return ProcessingProtocol.objects.filter(clinic_id__in=clinic_ids_for(user)).select_related(
        "clinic"
    )


def protocols_in_force(clinic_id: int, on: date) -> QuerySet[ProcessingProtocol]:
    """The newest version of each protocol name of the clinic in force on `on`."""
    return (
        ProcessingProtocol.objects.filter(clinic_id=clinic_id, effective_from__lte=on)
        .exclude(effective_to__lte=on)
        .order_by("name", "-version")
    )


def safety_events_visible_to(user: Any) -> QuerySet[SafetyEvent]:
    """Safety events of the clinics the user administers."""
    return (
        SafetyEvent.objects.filter(clinic_id__in=clinic_ids_for(user, (Role.ADMINISTRATOR,)))
        .select_related("clinic", "episode__patient__identity", "identity_check", "reported_by")
        .order_by("-occurred_at", "-pk")
    )


REPORT_ROLES = (*CLINICAL_ROLES, Role.RESEARCHER)


def report_clinics_visible_to(user: Any) -> QuerySet[Clinic]:
    """Clinics whose standardisation report the user may read: aggregates only, so
    researchers of the clinic may too."""
    return Clinic.objects.filter(pk__in=clinic_ids_for(user, REPORT_ROLES))


def _summary(episode: Episode, latest: QcEvaluation | None) -> ProcedureSummary:
    record = procedure_record(episode)
    mibo = mibo_completeness(record)
    results = latest.results if latest is not None else []
    return ProcedureSummary(
        observed=observation(record),
        qc_evaluated=latest is not None,
        deviations=tuple(r["quantity"] for r in results if r["status"] == "deviation"),
        measured=tuple(r["quantity"] for r in results if r["status"] != "not_measured"),
        mibo_complete=mibo.is_complete,
        mibo_missing=tuple(f"{item.domain}.{item.code}" for item in mibo.missing),
        flagged_same_procedure=is_flagged(
            same_procedure_checklist(
                same_procedure_facts(episode, record, checked_codes=_checked_codes(episode))
            )
        ),
    )


def standardisation(
    user: Any, clinic_id: int, protocol: str | int
) -> tuple[Clinic, ProcessingProtocol | None, StandardisationReport]:
    """The report of one clinic and one protocol version (`NO_PROTOCOL`: procedures recorded
    without one, e.g. loaded from elsewhere). Raises Clinic.DoesNotExist or
    ProcessingProtocol.DoesNotExist when out of the user's reach."""
    clinic = report_clinics_visible_to(user).get(pk=clinic_id)
    episodes = Episode.objects.filter(
        clinic=clinic, kind=TreatmentKind.BMAC.value, harvest__isnull=False
    )
    chosen = None
    if protocol == NO_PROTOCOL:
        episodes = episodes.filter(procedure_day__isnull=True)
    else:
        chosen = ProcessingProtocol.objects.get(clinic=clinic, pk=protocol)
        episodes = episodes.filter(procedure_day__protocol=chosen)
    episodes = episodes.select_related(
        "patient", "clinic", "harvest", "processing", "product", "procedure_day"
    ).prefetch_related("processing__compositions", "injections", "identity_checks")
    latest: dict[int, QcEvaluation] = {}
    for evaluation in QcEvaluation.objects.filter(episode__in=episodes).order_by(
        "episode_id", "evaluated_at", "pk"
    ):
        latest[evaluation.episode_id] = evaluation
    summaries = [_summary(episode, latest.get(episode.pk)) for episode in episodes]
    return clinic, chosen, standardisation_report(summaries)
