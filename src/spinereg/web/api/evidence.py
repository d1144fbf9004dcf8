"""Evidence-synthesis endpoints for researchers and administrators: the current synthesis as
JSON, and the literature table (read, add a row). Writes are audited like the web page's."""

import math
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from spinereg.analytics.meta.literature import COLUMNS
from spinereg.registry.access import research_clinic_ids
from spinereg.registry.evidence.selectors import evidence_summary, literature_rows
from spinereg.registry.evidence.services import literature_row_create, may_write_literature

router = Router(tags=["evidence"])


class LiteratureRowIn(Schema):
    study_id: str
    first_author: str
    year: int
    journal: str = ""
    doi_or_pmid: str
    design: str
    product: str
    target: str
    condition: str
    arm: str
    n: int
    outcome: str
    scale_max: float | None = None
    timepoint_months: float
    mean: float | None = None
    sd: float | None = None
    baseline_mean: float | None = None
    baseline_sd: float | None = None
    change_mean: float | None = None
    change_sd: float | None = None
    responders: int | None = None
    responder_definition: str = ""
    notes: str = ""
    reason: str


def _require_writer(request: HttpRequest) -> list[int]:
    if request.user.is_anonymous or not may_write_literature(request.user):
        raise Http404
    return list(research_clinic_ids(request.user).values_list("clinic_id", flat=True))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


@router.get("/synthesis")
def synthesis(request: HttpRequest) -> dict[str, Any]:
    """Every question: pooled estimate (or why not), included studies, exclusions, and the
    registry's own rows for the caller's clinics (never pooled with the literature)."""
    clinic_ids = _require_writer(request)
    summary = evidence_summary(clinic_ids, "Your clinics")
    pools = []
    for pool in summary.synthesis.pools:
        result = pool.result
        pools.append(
            {
                "key": pool.key,
                "outcome": pool.outcome,
                "timepoint_months": pool.timepoint_months,
                "measure": pool.measure,
                "studies": pool.labels,
                "pooled": None
                if result is None
                else {
                    "estimate": result.estimate,
                    "ci_lower": result.ci_lower,
                    "ci_upper": result.ci_upper,
                    "pi_lower": _number(result.pi_lower),
                    "pi_upper": _number(result.pi_upper),
                    "tau2": result.tau2,
                    "i2": result.i2,
                    "k": result.k,
                    "scale": "logit" if pool.measure == "PLO" else "points (0-100)",
                },
                "not_pooled_reason": pool.not_pooled_reason,
                "excluded": [
                    {
                        "source_row": int(row["source_row"]),
                        "study_id": row["study_id"],
                        "reason": row["reason"],
                    }
                    for row in pool.excluded.to_dict("records")
                ],
            }
        )
    registry = [row.__dict__ for row in summary.registry]
    return {"pools": pools, "registry_not_pooled": registry}


@router.get("/literature")
def literature(request: HttpRequest) -> list[dict[str, Any]]:
    _require_writer(request)
    return [
        {"id": row.pk} | {column: getattr(row, column) for column in COLUMNS}
        for row in literature_rows()
    ]


@router.post("/literature", response={201: dict[str, Any]})
def literature_add(request: HttpRequest, payload: LiteratureRowIn) -> Status[dict[str, Any]]:
    _require_writer(request)
    values = payload.dict()
    reason = values.pop("reason")
    row = literature_row_create(values, actor=request.user, reason=reason)
    return Status(201, {"id": row.pk, "study_id": row.study_id})
