"""Chain of identity and the injection. Before injection the patient's wristband and the
product label are scanned (or typed); a product of another patient or procedure, an expired or
an already used product is refused, and the refused attempt is kept as a safety event for the
clinic's administrators.

A refused check must survive the refusal: it is written in its own durable transaction (Zulip's
`transaction.atomic(durable=True)`), so no caller can roll it back by failing afterwards, and
only then is the refusal raised."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from spinereg.core.product.identity import (
    IdentityDecision,
    Refusal,
    ScannedProduct,
    identity_decision,
    normalise_product_code,
    normalise_wristband,
)
from spinereg.core.product.record import InjectionFacts, clinic_local_date
from spinereg.core.product.validation import check_injections
from spinereg.core.vocabulary import Side, SpinalLevel
from spinereg.registry.accounts.models import User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.episodes.models import Episode, Injection, Product
from spinereg.registry.episodes.services import episode_update
from spinereg.registry.procedures.facts import (
    REFUSAL_FIELD,
    harvest_facts,
    procedure_record,
    processing_facts,
    related_or_none,
)
from spinereg.registry.procedures.models import IdentityCheck, QcEvaluation, SafetyEvent
from spinereg.registry.procedures.services.common import (
    checked,
    field_error,
    locked_episode,
    now_or,
    require_bmac,
    require_step_role,
)
from spinereg.registry.procedures.services.qc import (
    acknowledgements_create,
    pending_deviations,
    qc_report,
    qc_store,
)


@dataclass(frozen=True, slots=True)
class InjectionTarget:
    level: str
    side: str
    volume_ml: float


def _require_scans(wristband: str, product_code: str) -> None:
    errors = {}
    if not normalise_wristband(wristband):
        errors["wristband"] = ValidationError("Scan or type the wristband.", code="required")
    if not normalise_product_code(product_code):
        errors["product_code"] = ValidationError("Scan or type the label.", code="required")
    if errors:
        raise ValidationError(errors)


def _decide(episode: Episode, wristband: str, product_code: str, at: datetime) -> IdentityDecision:
    identity = related_or_none(episode.patient, "identity")
    row = (
        Product.objects.select_related("episode")
        .filter(product_code=normalise_product_code(product_code))
        .first()
    )
    scanned = (
        ScannedProduct(
            code=row.product_code,
            patient_id=row.episode.patient_id,
            procedure_id=row.episode_id,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )
        if row is not None
        else None
    )
    return identity_decision(
        patient_id=episode.patient_id,
        procedure_id=episode.pk,
        record_number=identity.mrn if identity is not None else "",
        wristband=wristband,
        product=scanned,
        at=at,
    )


def identity_check_record(
    *,
    episode: Episode,
    actor: User,
    wristband: str,
    product_code: str,
    channel: str = IdentityCheck.Channel.SERVICE,
    now: datetime | None = None,
    use_at: datetime | None = None,
) -> IdentityCheck:
    """Check a wristband against a label for this episode and keep the attempt; a refusal also
    becomes a SafetyEvent. Returns the check (accepted or not); `identity_verify` raises.
    `use_at` is when the product would be used (default: now): the expiry is judged then."""
    require_step_role(actor, episode.clinic_id, "identity_check")
    require_bmac(episode)
    _require_scans(wristband, product_code)
    at = now_or(now)
    decision = _decide(episode, wristband, product_code, max(at, use_at or at))
    with transaction.atomic(durable=True):
        check = record_create(
            IdentityCheck(
                episode=episode,
                wristband=normalise_wristband(wristband)[:60],
                product_code=normalise_product_code(product_code)[:40],
                accepted=decision.accepted,
                refusal=decision.refusal.value if decision.refusal else "",
                message=decision.message[:200],
                channel=channel,
                checked_by=actor,
                checked_at=at,
            ),
            actor=actor,
        )
        if decision.refusal is not None:
            record_create(
                SafetyEvent(
                    clinic_id=episode.clinic_id,
                    episode=episode,
                    identity_check=check,
                    kind=decision.refusal.value,
                    description=(
                        f"{decision.message} Wristband {check.wristband!r}, label "
                        f"{check.product_code!r}, scanned by {actor} "
                        f"({check.get_channel_display()})."
                    ),
                    occurred_at=at,
                    reported_by=actor,
                ),
                actor=actor,
            )
    return check


def refusal_error(check: IdentityCheck) -> ValidationError:
    refusal = Refusal(check.refusal)
    return field_error(
        REFUSAL_FIELD[refusal],
        f"{check.message} The attempt is recorded as a safety event.",
        refusal.value,
    )


def identity_verify(
    *,
    episode: Episode,
    actor: User,
    wristband: str,
    product_code: str,
    channel: str = IdentityCheck.Channel.SERVICE,
    now: datetime | None = None,
    use_at: datetime | None = None,
) -> IdentityCheck:
    """`identity_check_record`, raising a ValidationError keyed by the refused field."""
    check = identity_check_record(
        episode=episode,
        actor=actor,
        wristband=wristband,
        product_code=product_code,
        channel=channel,
        now=now,
        use_at=use_at,
    )
    if not check.accepted:
        raise refusal_error(check)
    return check


def _check_injection_input(
    approach: str, guidance: str, targets: Sequence[InjectionTarget]
) -> None:
    if approach not in Injection.Approach.values:
        raise field_error(
            "approach", f"{approach!r} is not intradiscal or facet.", "invalid_choice"
        )
    if guidance not in Injection.Guidance.values:
        raise field_error(
            "guidance", f"{guidance!r} is not fluoroscopy, ultrasound or CT.", "invalid_choice"
        )
    if not targets:
        raise field_error("targets", "Name at least one target.", "required")
    levels = {level.value for level in SpinalLevel}
    sides = {side.value for side in Side}
    for position, target in enumerate(targets):
        if target.level not in levels:
            raise field_error(
                f"targets.{position}.level", f"{target.level!r} is not a level.", "invalid_choice"
            )
        if target.side not in sides:
            raise field_error(
                f"targets.{position}.side", f"{target.side!r} is not a side.", "invalid_choice"
            )


def injection_record(
    *,
    episode: Episode,
    actor: User,
    wristband: str,
    product_code: str,
    approach: str,
    guidance: str,
    targets: Sequence[InjectionTarget],
    injected_at: datetime,
    needle_gauge: int | None = None,
    contrast: bool = False,
    post_procedure_protocol: str = "",
    acknowledge_deviations: bool = False,
    acknowledgement_comment: str = "",
    channel: str = IdentityCheck.Channel.SERVICE,
    now: datetime | None = None,
) -> list[Injection]:
    """Record the injection of every target, after the chain-of-identity check (always done
    here, whoever calls) and with every QC deviation acknowledged by a physician — which the
    physician may do in the same step (`acknowledge_deviations` with a comment)."""
    require_step_role(actor, episode.clinic_id, "injection")
    require_bmac(episode)
    _require_scans(wristband, product_code)
    _check_injection_input(approach, guidance, targets)
    at = now_or(now)
    if injected_at.tzinfo is None:
        raise field_error("injected_at", "The time needs its time zone.", "aware_datetime")
    identity_verify(
        episode=episode,
        actor=actor,
        wristband=wristband,
        product_code=product_code,
        channel=channel,
        now=at,
        use_at=injected_at,
    )
    with transaction.atomic():
        episode = locked_episode(episode)
        day = related_or_none(episode, "procedure_day")
        harvest = related_or_none(episode, "harvest")
        processing = related_or_none(episode, "processing")
        if day is None or harvest is None or processing is None:
            raise field_error(
                "injection", "Record harvest and processing first.", "processing_first"
            )
        product = Product.objects.select_for_update().get(episode=episode)
        if product.used_at is not None or episode.injections.exists():
            raise field_error("product_code", "This product was already used.", "product_used")
        facts = [
            InjectionFacts(
                level=target.level,
                side=target.side,
                volume_ml=target.volume_ml,
                injected_at=injected_at,
                approach=approach,
                guidance=guidance,
                needle_gauge=needle_gauge,
                contrast=contrast,
            )
            for target in targets
        ]
        checked(
            lambda: check_injections(
                facts,
                harvest=harvest_facts(harvest, day),
                processing=processing_facts(processing),
                now=at,
            )
        )
        report = qc_report(day, procedure_record(episode, day=day, injections=facts))
        pending = pending_deviations(episode, [d.as_dict() for d in report.deviations])
        if pending:
            if not acknowledge_deviations:
                listed = "; ".join(f"{d['label']}: {d['message']}" for d in pending)
                raise field_error(
                    "acknowledge_deviations",
                    f"A physician must acknowledge each deviation before injection ({listed}).",
                    "deviation_unacknowledged",
                )
            acknowledgements_create(
                episode=episode,
                actor=actor,
                deviations=pending,
                comment=acknowledgement_comment,
                at=at,
            )
        injections = [
            record_create(
                Injection(
                    episode=episode,
                    approach=approach,
                    level=target.level,
                    side=target.side,
                    guidance=guidance,
                    needle_gauge=needle_gauge,
                    contrast=contrast,
                    volume_ml=target.volume_ml,
                    injected_at=injected_at,
                ),
                actor=actor,
            )
            for target in targets
        ]
        record_update(product, changes={"used_at": injected_at}, actor=actor)
        if post_procedure_protocol.strip():
            record_update(
                day,
                changes={"post_procedure_protocol": post_procedure_protocol.strip()},
                actor=actor,
            )
        qc_store(
            episode=episode,
            day=day,
            report=report,
            trigger=QcEvaluation.Trigger.INJECTION,
            actor=actor,
            at=at,
        )
        if episode.index_date is None:
            episode_update(
                episode,
                actor=actor,
                changes={"index_date": clinic_local_date(injected_at, episode.clinic.timezone)},
            )
    return injections
