"""Reading the literature table and the registry's own results for the evidence pages.

`literature_frame()` gives the table in read_literature's shape (source_row = the table row id),
so the pure synthesis (spinereg.analytics.meta.synthesis) runs on it unchanged.
`registry_outcomes(clinic_ids)` computes the clinic's own mean change and responder share per
time point from its analysis dataset (paired baseline/follow-up scores of its BMAC episodes):
shown beside the pooled estimate, never pooled with it. `evidence_summary(clinic_ids)` caches
both under a key that changes when the literature table, the clinic's responses or any audited
write of the clinic changes.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max

from spinereg.analytics.meta.literature import COLUMNS
from spinereg.analytics.meta.registry_rows import RegistryOutcome
from spinereg.analytics.meta.registry_rows import registry_outcomes as registry_rows
from spinereg.analytics.meta.synthesis import EvidenceSynthesis, synthesize
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.evidence.models import LiteratureRow
from spinereg.registry.exports import analysis_dataset_for_clinic_ids
from spinereg.registry.outcomes.models import AdverseEvent, QuestionnaireResponse


@dataclass(frozen=True, eq=False)
class EvidenceSummary:
    synthesis: EvidenceSynthesis
    registry: list[RegistryOutcome]
    registry_patients: int
    adverse_events: dict[str, int]


def literature_rows() -> list[LiteratureRow]:
    return list(LiteratureRow.objects.order_by("study_id", "arm", "outcome", "timepoint_months"))


def literature_frame(rows: Iterable[LiteratureRow] | None = None) -> pd.DataFrame:
    """The table as read_literature returns the CSV: NaN for unreported numbers."""
    chosen = list(LiteratureRow.objects.order_by("pk")) if rows is None else list(rows)
    records = []
    for row in chosen:
        record: dict[str, Any] = {"source_row": row.pk}
        for column in COLUMNS:
            value = getattr(row, column)
            record[column] = np.nan if value is None else value
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=["source_row", *COLUMNS])
    for column in ("scale_max", "timepoint_months", "mean", "sd", "baseline_mean",
                   "baseline_sd", "change_mean", "change_sd", "responders"):  # fmt: skip
        frame[column] = frame[column].astype(float)
    return frame


def registry_outcomes(clinic_ids: Iterable[int], label: str) -> list[RegistryOutcome]:
    """The clinics' own rows (spinereg.analytics.meta.registry_rows), from their analysis
    dataset: the same de-identified scores the registry report reads."""
    dataset = analysis_dataset_for_clinic_ids(list(clinic_ids))
    return registry_rows(dataset.outcomes, label)


def adverse_event_counts(clinic_ids: Iterable[int]) -> dict[str, int]:
    rows = (
        AdverseEvent.objects.filter(episode__clinic_id__in=list(clinic_ids), episode__kind="bmac")
        .values("code")
        .annotate(events=Count("pk"))
        .order_by("-events", "code")
    )
    return {row["code"]: row["events"] for row in rows}


def _cache_key(clinic_ids: list[int], label: str) -> str:
    literature = LiteratureRow.objects.aggregate(latest=Max("updated_at"), rows=Count("pk"))
    responses = QuestionnaireResponse.objects.filter(episode__clinic_id__in=clinic_ids).aggregate(
        latest=Max("pk"), rows=Count("pk"), completed=Max("completed_at")
    )
    events = AdverseEvent.objects.filter(episode__clinic_id__in=clinic_ids).aggregate(
        latest=Max("pk"), rows=Count("pk")
    )
    # Every clinical write is audited with its clinic: an episode corrected (its kind, its
    # index date) changes the registry rows as surely as a new answer does.
    audited = AuditEntry.objects.filter(clinic_id__in=clinic_ids).aggregate(latest=Max("pk"))
    parts = [literature, responses, events, audited, sorted(clinic_ids), label]
    return "evidence-summary:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def evidence_summary(clinic_ids: Iterable[int], label: str) -> EvidenceSummary:
    """The synthesis and the clinics' own results, cached until either changes."""
    ids = sorted(set(clinic_ids))
    key = _cache_key(ids, label)
    cached = cache.get(key)
    if isinstance(cached, EvidenceSummary):
        return cached
    registry = registry_outcomes(ids, label)
    patients = (
        QuestionnaireResponse.objects.filter(episode__clinic_id__in=ids, episode__kind="bmac")
        .values("patient_id")
        .distinct()
        .count()
    )
    summary = EvidenceSummary(
        synthesis=synthesize(literature_frame()),
        registry=registry,
        registry_patients=patients,
        adverse_events=adverse_event_counts(ids),
    )
    cache.set(key, summary, 600)
    return summary
