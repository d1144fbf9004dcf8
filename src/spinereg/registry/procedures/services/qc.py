"""QC of the product against the protocol version in force, and physicians'
acknowledgements of deviations (needed before injection)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from spinereg.core.product.metrics import observation
from spinereg.core.product.qc import QcReport, QcStatus, qc_evaluate
from spinereg.core.product.record import ProcedureRecord
from spinereg.registry.accounts.models import User
from spinereg.registry.audit.services import record_create
from spinereg.registry.episodes.models import Episode
from spinereg.registry.procedures.facts import procedure_record, protocol_spec, related_or_none
from spinereg.registry.procedures.models import (
    DeviationAcknowledgement,
    ProcedureDay,
    QcEvaluation,
)
from spinereg.registry.procedures.services.common import (
    field_error,
    locked_episode,
    now_or,
    require_bmac,
    require_step_role,
)


def qc_report(day: ProcedureDay, record: ProcedureRecord) -> QcReport:
    return qc_evaluate(protocol_spec(day.protocol), observation(record))


def qc_store(
    *,
    episode: Episode,
    day: ProcedureDay,
    report: QcReport,
    trigger: str,
    actor: User,
    at: datetime,
    reason: str = "",
) -> QcEvaluation:
    return record_create(
        QcEvaluation(
            episode=episode,
            protocol=day.protocol,
            trigger=trigger,
            evaluated_at=at,
            results=[result.as_dict() for result in report.results],
            deviation_count=len(report.deviations),
        ),
        actor=actor,
        reason=reason,
    )


def qc_refresh(
    *, episode: Episode, actor: User, trigger: str, at: datetime, reason: str = ""
) -> QcEvaluation | None:
    """Evaluate the stored records again (after a change) and store the result; None when
    there is no protocol (no procedure day) or nothing processed yet."""
    day = related_or_none(episode, "procedure_day")
    if day is None or related_or_none(episode, "processing") is None:
        return None
    report = qc_report(day, procedure_record(episode, day=day))
    return qc_store(
        episode=episode, day=day, report=report, trigger=trigger, actor=actor, at=at, reason=reason
    )


def latest_qc(episode: Episode) -> QcEvaluation | None:
    """The episode's most recent QC evaluation, or None before processing."""
    return episode.qc_evaluations.order_by("-evaluated_at", "-pk").first()


def _key(quantity: str, observed: Any) -> tuple[str, str]:
    return quantity, json.dumps(observed, sort_keys=True)


def pending_deviations(
    episode: Episode, deviations: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The deviations no physician has acknowledged at their current value."""
    acknowledged = {
        _key(ack.quantity, ack.observed) for ack in episode.deviation_acknowledgements.all()
    }
    return [d for d in deviations if _key(d["quantity"], d["observed"]) not in acknowledged]


def acknowledgements_create(
    *,
    episode: Episode,
    actor: User,
    deviations: Sequence[dict[str, Any]],
    comment: str,
    at: datetime,
    reason: str = "",
) -> list[DeviationAcknowledgement]:
    if not comment.strip():
        raise field_error(
            "comment",
            "Say why the product may be used despite the deviation.",
            "required",
        )
    return [
        record_create(
            DeviationAcknowledgement(
                episode=episode,
                quantity=deviation["quantity"],
                observed=deviation["observed"],
                rule=deviation["rule"][:200],
                comment=comment.strip(),
                acknowledged_by=actor,
                acknowledged_at=at,
            ),
            actor=actor,
            reason=reason,
        )
        for deviation in deviations
    ]


def deviation_acknowledge(
    *,
    episode: Episode,
    actor: User,
    quantity: str,
    comment: str,
    now: datetime | None = None,
    reason: str = "",
) -> DeviationAcknowledgement:
    """A physician acknowledges the current deviation on `quantity` (latest QC evaluation)."""
    require_step_role(actor, episode.clinic_id, "acknowledgement")
    require_bmac(episode)
    at = now_or(now)
    with transaction.atomic():
        episode = locked_episode(episode)
        latest = latest_qc(episode)
        deviation = next(
            (
                result
                for result in (latest.results if latest is not None else [])
                if result["quantity"] == quantity and result["status"] == QcStatus.DEVIATION
            ),
            None,
        )
        if deviation is None:
            raise field_error(
                "quantity", f"{quantity} has no deviation to acknowledge.", "no_deviation"
            )
        if not pending_deviations(episode, [deviation]):
            raise field_error(
                "quantity",
                f"The deviation on {quantity} is already acknowledged.",
                "already_acknowledged",
            )
        (acknowledgement,) = acknowledgements_create(
            episode=episode,
            actor=actor,
            deviations=[deviation],
            comment=comment,
            at=at,
            reason=reason,
        )
    return acknowledgement
