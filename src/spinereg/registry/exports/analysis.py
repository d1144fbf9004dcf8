"""The analysis dataset from the database: the registry rows of some clinics, read column by
column with `values_list(...).iterator()` (no model instances, never the identity table), then
handed to the pure `spinereg.interop.analysis_build.build_analysis_dataset` that the synthetic
cohort's Parquet files go through too, so both give the same dataset for the same rows.

Scope: `research_analysis_dataset(user)` reads the clinics where the user is a researcher or
administrator (`research_clinic_ids`, the access chokepoint); `analysis_dataset_for_clinics`
serves the command line, which runs with the operator's full access, for every clinic or the
ones named.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pandas as pd
from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from spinereg.core.errors import RuleViolation
from spinereg.interop.analysis_build import REGISTRY_COLUMNS, build_analysis_dataset
from spinereg.interop.analysis_dataset import AnalysisDataset
from spinereg.registry.access import AnyUser, research_clinic_ids
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Episode

CHUNK_ROWS = 20_000
RESPONSE = "outcomes.questionnaireresponse"

# How each table reaches its clinic.
_CLINIC_PATH = {
    "accounts.clinic": "pk",
    "episodes.episode": "clinic_id",
    "patients.diagnosis": "patient__clinic_id",
    "episodes.harvest": "episode__clinic_id",
    "episodes.processing": "episode__clinic_id",
    "episodes.composition": "processing__episode__clinic_id",
    "episodes.injection": "episode__clinic_id",
    "episodes.reintervention": "episode__clinic_id",
    "followup.scheduleitem": "episode__clinic_id",
    RESPONSE: "episode__clinic_id",
    "outcomes.adverseevent": "episode__clinic_id",
}


def _rows(label: str, scope: Q, columns: Sequence[str]) -> pd.DataFrame:
    model = apps.get_model(label)
    query = model.objects.filter(scope).order_by("pk").values_list(*columns)
    return pd.DataFrame.from_records(
        list(query.iterator(chunk_size=CHUNK_ROWS)), columns=list(columns)
    )


def analysis_tables(clinic_ids: Iterable[int] | Any) -> dict[str, pd.DataFrame]:
    """The registry tables `build_analysis_dataset` reads, for the clinics `clinic_ids` (ids,
    or a values("clinic_id") subquery)."""
    tables: dict[str, pd.DataFrame] = {}
    for label, columns in REGISTRY_COLUMNS.items():
        if label == "patients.patient":
            in_scope = Episode.objects.filter(clinic_id__in=clinic_ids).values("patient_id")
            tables[label] = _rows(label, Q(pk__in=in_scope), columns)
            continue
        scope = Q(**{f"{_CLINIC_PATH[label]}__in": clinic_ids})
        if label == RESPONSE:
            wanted = [column if column != "severity" else "subscores" for column in columns]
            frame = _rows(label, scope, wanted)
            frame["severity"] = pd.to_numeric(
                frame.pop("subscores").map(_severity), errors="coerce"
            ).astype("float64")
            tables[label] = frame[list(columns)]
            continue
        tables[label] = _rows(label, scope, columns)
    return tables


def _severity(subscores: Any) -> float | None:
    if isinstance(subscores, dict):
        value = subscores.get("severity")
        return float(value) if isinstance(value, int | float) else None
    return None


def _dataset(clinic_ids: Any, codes: list[str], as_of: date | None) -> AnalysisDataset:
    return build_analysis_dataset(
        analysis_tables(clinic_ids),
        as_of=as_of or timezone.localdate(),
        metadata={
            "source": "registry database",
            "clinics": codes,
            # The bulk loader of the synthetic cohort leaves this audit entry behind.
            "synthetic": AuditEntry.objects.filter(model="synth.cohort").exists(),
        },
    )


def analysis_dataset_for_clinics(
    codes: Sequence[str] | None = None, *, as_of: date | None = None
) -> AnalysisDataset:
    """The dataset of the clinics with these codes (every clinic when None), cut off at
    `as_of` (today by default). For the command line: no user scope applies."""
    clinics = Clinic.objects.order_by("code")
    if codes:
        clinics = clinics.filter(code__in=codes)
        missing = sorted(set(codes) - set(clinics.values_list("code", flat=True)))
        if missing:
            raise RuleViolation(field="clinic", rule="exists", message=f"no clinic {missing}")
    ids = list(clinics.values_list("pk", flat=True))
    return _dataset(ids, list(clinics.values_list("code", flat=True)), as_of)


def analysis_dataset_for_clinic_ids(clinic_ids: Sequence[int]) -> AnalysisDataset:
    """The dataset of these clinics, for callers that already scoped them (evidence pages)."""
    clinics = Clinic.objects.filter(pk__in=clinic_ids).order_by("code")
    return _dataset(list(clinic_ids), list(clinics.values_list("code", flat=True)), None)


def research_analysis_dataset(user: AnyUser, *, as_of: date | None = None) -> AnalysisDataset:
    """The dataset of the clinics where `user` is a researcher or administrator."""
    ids = list(research_clinic_ids(user).values_list("clinic_id", flat=True))
    codes = list(Clinic.objects.filter(pk__in=ids).order_by("code").values_list("code", flat=True))
    return _dataset(ids, codes, as_of)
