"""Build the analysis dataset (`analysis_dataset.py`) from registry tables: the one
transformation behind both `spinereg export analysis` (tables read from the database by
`spinereg.registry.exports`) and the synthetic cohort's Parquet files (`read_registry_parquet`),
so the two give the same dataset for the same rows.

Input: a mapping from model label (`episodes.episode`) to a frame holding at least the
columns of `REGISTRY_COLUMNS` under their database names, plus `as_of`, the data cut-off
(the day the export is made, or the synthetic cohort's reference day). Dates become days from
the episode's index date here, and are dropped; identity tables are never read.

Rules applied (each documented in docs/registry-report.md):
- only episodes with an index date enter (day 0 is needed for every time);
- only complete responses with a score; a repeated response to the same visit, instrument and
  score keeps the latest (by day, then by record order);
- an adverse event without an episode cannot be timed and is left out;
- a visit's status at the cut-off: completed; else not_expected when death or withdrawal came
  on or before the window's last day; else pending when the window had not closed by the
  cut-off; else missed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spinereg.core.errors import RuleViolation
from spinereg.interop.analysis_dataset import (
    RELATED_LEVELS,
    AnalysisDataset,
    conform,
)
from spinereg.interop.deidentify import AGE_CAP

CFU_F_THRESHOLD_PER_ML = 2000.0  # Pettine 2015: > 2,000 CFU-F/mL, strictly (DOMAIN.md §5)

REGISTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts.clinic": ("id", "code"),
    "patients.patient": (
        "id",
        "pseudonym",
        "sex",
        "birth_year",
        "enrolled_date",
        "deceased_date",
        "withdrawn_date",
    ),
    "episodes.episode": (
        "id",
        "clinic_id",
        "patient_id",
        "kind",
        "condition",
        "index_date",
        "status",
    ),
    "patients.diagnosis": ("patient_id", "condition", "level"),
    "episodes.harvest": ("episode_id", "aspirate_volume_ml"),
    "episodes.processing": ("id", "episode_id", "concentrate_volume_ml"),
    "episodes.composition": (
        "processing_id",
        "fraction",
        "tnc_per_ml",
        "cfu_f_per_ml",
        "cd34_per_ml",
    ),
    "episodes.injection": ("episode_id", "volume_ml"),
    "episodes.reintervention": ("episode_id", "kind", "at_index_level", "procedure_date"),
    "followup.scheduleitem": (
        "episode_id",
        "visit",
        "target_date",
        "window_start",
        "window_end",
        "completed_at",
    ),
    # `severity`: the BPI severity subscore, taken out of the `subscores` JSON by the reader.
    "outcomes.questionnaireresponse": (
        "id",
        "episode_id",
        "instrument_id",
        "value",
        "severity",
        "timepoint",
        "days_from_index",
        "out_of_window",
        "status",
    ),
    "outcomes.adverseevent": (
        "episode_id",
        "code",
        "onset_date",
        "resolved_date",
        "severity_grade",
        "serious",
        "related_harvest",
        "related_injection",
        "related_product",
        "related_medication",
    ),
}
BASELINE_SCORES = {
    ("odi-2.1a", "value"): "baseline_odi",
    ("nrs-pain", "value"): "baseline_nrs",
    ("vas-pain", "value"): "baseline_vas",
    ("bpi-sf", "interference"): "baseline_bpi_interference",
    ("bpi-sf", "severity"): "baseline_bpi_severity",
}
BPI = "bpi-sf"


def _require(tables: Mapping[str, pd.DataFrame]) -> None:
    for label, columns in REGISTRY_COLUMNS.items():
        if label not in tables:
            raise RuleViolation(field=label, rule="table_present", message="table not given")
        missing = [column for column in columns if column not in tables[label].columns]
        if missing:
            raise RuleViolation(
                field=f"{label}.{missing[0]}",
                rule="column_present",
                message=f"column(s) {missing} missing from the registry table",
            )


def _days(values: pd.Series[Any]) -> pd.Series[Any]:
    """Dates (datetime.date objects or datetime64) as whole days since 1970-01-01, Int64."""
    stamps = pd.to_datetime(values)
    days = stamps.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return pd.Series(days, index=values.index).where(stamps.notna()).astype("Int64")


def build_analysis_dataset(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: date,
    metadata: Mapping[str, Any] | None = None,
) -> AnalysisDataset:
    """The de-identified analysis dataset of the given registry rows, cut off at `as_of`."""
    _require(tables)
    cutoff = int((pd.Timestamp(as_of) - pd.Timestamp(0)).days)
    episodes = _episodes(tables, cutoff)
    index_day = pd.Series(episodes["index_day"].to_numpy(), index=episodes["episode_id"])
    keys = episodes[["episode_id", "episode", "patient", "clinic", "condition", "treatment"]]

    outcomes = _outcomes(tables["outcomes.questionnaireresponse"], keys)
    baselines = (
        outcomes.loc[(outcomes["timepoint"] == "baseline") & ~outcomes["out_of_window"]]
        .drop_duplicates(["episode", "instrument", "score"], keep="last")
        .set_index(["episode", "instrument", "score"])["value"]
    )
    baseline_of_row = pd.MultiIndex.from_frame(outcomes[["episode", "instrument", "score"]])
    outcomes["baseline_value"] = baselines.reindex(baseline_of_row).to_numpy()
    for (instrument, score), column in BASELINE_SCORES.items():
        chosen = (baselines.index.get_level_values("instrument") == instrument) & (
            baselines.index.get_level_values("score") == score
        )
        per_episode = baselines[chosen].droplevel(["instrument", "score"])
        episodes[column] = episodes["episode"].map(per_episode).astype("float64")

    _add_composition(episodes, tables)
    adverse_events = _adverse_events(tables["outcomes.adverseevent"], keys, index_day)
    reinterventions = _reinterventions(tables["episodes.reintervention"], keys, index_day)
    followup = _followup(tables["followup.scheduleitem"], episodes, keys, cutoff)
    return AnalysisDataset(
        episodes=conform(episodes.sort_values("episode", kind="stable"), "episodes"),
        outcomes=conform(outcomes, "outcomes"),
        adverse_events=conform(adverse_events, "adverse_events"),
        reinterventions=conform(reinterventions, "reinterventions"),
        followup=conform(followup, "followup"),
        metadata=dict(metadata or {}),
    )


def _episodes(tables: Mapping[str, pd.DataFrame], cutoff: int) -> pd.DataFrame:
    episode = tables["episodes.episode"]
    episode = episode.loc[episode["index_date"].notna(), list(REGISTRY_COLUMNS["episodes.episode"])]
    patient = tables["patients.patient"][list(REGISTRY_COLUMNS["patients.patient"])]
    clinic_code = tables["accounts.clinic"].set_index("id")["code"]
    frame = episode.merge(
        patient.rename(columns={"id": "patient_id"}), on="patient_id", how="inner", validate="m:1"
    )
    frame["index_day"] = _days(frame["index_date"])
    frame = frame.sort_values(["patient_id", "index_day", "id"], kind="stable")
    ordinal = frame.groupby("patient_id", sort=False).cumcount() + 1
    frame["episode"] = frame["pseudonym"].astype(str) + "-" + ordinal.astype(str)
    index_year = pd.to_datetime(frame["index_date"]).dt.year
    frame["age_at_index"] = np.minimum(index_year - frame["birth_year"].astype(np.int64), AGE_CAP)
    index_day = frame["index_day"]
    frame["enrolled_day"] = _days(frame["enrolled_date"]) - index_day
    frame["deceased_day"] = _days(frame["deceased_date"]) - index_day
    frame["withdrawn_day"] = _days(frame["withdrawn_date"]) - index_day
    end = pd.concat(
        [
            pd.Series(cutoff - index_day.to_numpy(dtype=np.int64), index=frame.index),
            frame["deceased_day"].astype("float64"),
            frame["withdrawn_day"].astype("float64"),
        ],
        axis=1,
    ).min(axis=1)
    frame["followup_days"] = end.clip(lower=0).astype(np.int64)

    diagnosis = tables["patients.diagnosis"][["patient_id", "condition", "level"]]
    levels = _joined_levels(diagnosis)
    key = pd.MultiIndex.from_frame(frame[["patient_id", "condition"]])
    frame["levels"] = levels.reindex(key).to_numpy()
    frame["level_count"] = frame["levels"].str.count(";").add(1).astype("Int64")
    frame = frame.rename(columns={"id": "episode_id", "pseudonym": "patient", "kind": "treatment"})
    frame["clinic"] = frame["clinic_id"].map(clinic_code)
    return frame.reset_index(drop=True)


def _joined_levels(diagnosis: pd.DataFrame) -> pd.Series[Any]:
    """Each patient's distinct levels per condition, sorted and ';'-joined, without a Python
    call per patient: the levels are spread into columns by position and joined column-wise."""
    rows = diagnosis.drop_duplicates().sort_values(
        ["patient_id", "condition", "level"], kind="stable"
    )
    if rows.empty:
        empty = pd.MultiIndex.from_arrays([[], []], names=["patient_id", "condition"])
        return pd.Series([], index=empty, dtype=object)
    rows = rows.assign(position=rows.groupby(["patient_id", "condition"]).cumcount())
    wide = rows.pivot(index=["patient_id", "condition"], columns="position", values="level")
    joined = wide[0].astype(object)
    for position in wide.columns[1:]:
        later = wide[position]
        joined = joined.where(later.isna(), joined + ";" + later.astype(object))
    return joined


def _outcomes(responses: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    rows = responses.loc[
        (responses["status"] == "complete")
        & responses["value"].notna()
        & responses["episode_id"].isin(keys["episode_id"]),
        list(REGISTRY_COLUMNS["outcomes.questionnaireresponse"]),
    ]
    rows = rows.assign(
        timepoint=rows["timepoint"].fillna("").astype(str),
        out_of_window=rows["out_of_window"].astype(bool),
    )
    is_bpi = rows["instrument_id"] == BPI
    value_rows = rows.assign(score=np.where(is_bpi, "interference", "value"))
    severity = rows.loc[is_bpi & rows["severity"].notna()]
    severity_rows = severity.assign(score="severity", value=severity["severity"])
    long = pd.concat([value_rows, severity_rows], ignore_index=True)
    # Latest answer last (by day, then record order), so `keep="last"` keeps it.
    long = long.iloc[
        np.lexsort((long["id"].to_numpy(), long["days_from_index"].to_numpy(dtype=np.float64)))
    ]
    in_window = ~long["out_of_window"]
    repeated = long.duplicated(["episode_id", "timepoint", "instrument_id", "score"], keep="last")
    long = long.loc[~(in_window & repeated)]
    long = long.merge(keys, on="episode_id", how="inner", validate="m:1")
    long = long.rename(columns={"instrument_id": "instrument"})
    long["value"] = long["value"].astype("float64")
    # Final order: episode key, day, instrument, score, record; sorted on integer codes.
    episode_rank = long["episode"].rank(method="dense").to_numpy()
    instrument_code = pd.factorize(long["instrument"], sort=True)[0]
    score_code = pd.factorize(long["score"], sort=True)[0]
    order = np.lexsort(
        (
            long["id"].to_numpy(),
            score_code,
            instrument_code,
            long["days_from_index"].to_numpy(dtype=np.float64),
            episode_rank,
        )
    )
    return long.iloc[order].reset_index(drop=True)


def _add_composition(episodes: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> None:
    by_episode = episodes["episode_id"]
    harvest = tables["episodes.harvest"].drop_duplicates("episode_id").set_index("episode_id")
    processing = tables["episodes.processing"].drop_duplicates("episode_id")
    composition = tables["episodes.composition"].merge(
        processing[["id", "episode_id"]].rename(columns={"id": "processing_id"}),
        on="processing_id",
    )
    concentrate = composition.loc[composition["fraction"] == "concentrate"].drop_duplicates(
        "episode_id"
    )
    aspirate = composition.loc[composition["fraction"] == "aspirate"].drop_duplicates("episode_id")
    concentrate = concentrate.set_index("episode_id")
    injected = tables["episodes.injection"].groupby("episode_id")["volume_ml"].sum(min_count=1)

    def lookup(series: pd.Series[Any]) -> pd.Series[Any]:
        return by_episode.map(series).astype("float64")

    episodes["aspirate_volume_ml"] = lookup(harvest["aspirate_volume_ml"])
    episodes["concentrate_volume_ml"] = lookup(
        processing.set_index("episode_id")["concentrate_volume_ml"]
    )
    episodes["injected_volume_ml"] = lookup(injected)
    for column in ("tnc_per_ml", "cfu_f_per_ml", "cd34_per_ml"):
        episodes[column] = lookup(concentrate[column])
    episodes["aspirate_tnc_per_ml"] = lookup(aspirate.set_index("episode_id")["tnc_per_ml"])
    aspirate_tnc = episodes["aspirate_tnc_per_ml"].where(episodes["aspirate_tnc_per_ml"] > 0)
    # A ratio to a zero aspirate count says nothing: missing, not infinite.
    episodes["concentration_factor"] = episodes["tnc_per_ml"] / aspirate_tnc
    episodes["cfu_f_injected"] = episodes["cfu_f_per_ml"] * episodes["injected_volume_ml"]
    cfu_f = episodes["cfu_f_per_ml"]
    episodes["cfu_f_above_2000"] = pd.array(
        np.where(cfu_f.notna(), cfu_f > CFU_F_THRESHOLD_PER_ML, False), dtype="boolean"
    )
    episodes.loc[cfu_f.isna(), "cfu_f_above_2000"] = pd.NA


def _timed(
    frame: pd.DataFrame, keys: pd.DataFrame, index_day: pd.Series[Any], columns: dict[str, str]
) -> pd.DataFrame:
    """Rows of known episodes with their date columns turned into days from index."""
    rows = frame.loc[frame["episode_id"].isin(keys["episode_id"])].copy()
    day0 = rows["episode_id"].map(index_day).astype("Int64")
    for date_column, day_column in columns.items():
        rows[day_column] = _days(rows[date_column]) - day0
    return rows.merge(keys, on="episode_id", how="inner", validate="m:1")


def _adverse_events(
    events: pd.DataFrame, keys: pd.DataFrame, index_day: pd.Series[Any]
) -> pd.DataFrame:
    rows = _timed(
        events.loc[events["episode_id"].notna()],
        keys,
        index_day,
        {"onset_date": "onset_day", "resolved_date": "resolved_day"},
    )
    relatedness = ["related_harvest", "related_injection", "related_product", "related_medication"]
    rows["related"] = rows[relatedness].isin(RELATED_LEVELS).any(axis=1)
    rows["serious"] = rows["serious"].astype(bool)
    return rows.sort_values(["episode", "onset_day", "code"], kind="stable").reset_index(drop=True)


def _reinterventions(
    events: pd.DataFrame, keys: pd.DataFrame, index_day: pd.Series[Any]
) -> pd.DataFrame:
    rows = _timed(events, keys, index_day, {"procedure_date": "day"})
    rows["at_index_level"] = rows["at_index_level"].astype(bool)
    return rows.sort_values(["episode", "day", "kind"], kind="stable").reset_index(drop=True)


def _followup(
    items: pd.DataFrame, episodes: pd.DataFrame, keys: pd.DataFrame, cutoff: int
) -> pd.DataFrame:
    index_day = pd.Series(episodes["index_day"].to_numpy(), index=episodes["episode_id"])
    rows = _timed(
        items,
        keys,
        index_day,
        {
            "target_date": "target_day",
            "window_start": "window_start_day",
            "window_end": "window_end_day",
        },
    )
    per_episode = episodes.set_index("episode_id")
    cutoff_day = cutoff - rows["episode_id"].map(per_episode["index_day"]).astype(np.int64)
    left = pd.concat(
        [
            rows["episode_id"].map(per_episode["deceased_day"]).astype("float64"),
            rows["episode_id"].map(per_episode["withdrawn_day"]).astype("float64"),
        ],
        axis=1,
    ).min(axis=1)
    window_end = rows["window_end_day"].astype("float64")
    status = np.select(
        [
            rows["completed_at"].notna().to_numpy(),
            (left <= window_end).to_numpy(),
            (window_end >= cutoff_day).to_numpy(),
        ],
        ["completed", "not_expected", "pending"],
        default="missed",
    )
    rows["status"] = status
    return rows.sort_values(["episode", "target_day"], kind="stable").reset_index(drop=True)


def _severity_from_json(subscores: pa.ChunkedArray) -> pa.ChunkedArray:
    """The `severity` number of each `subscores` JSON text (null where absent), by a regular
    expression over the whole column: the cohort writer emits `{"severity": 6.25, …}`."""
    matched = pc.extract_regex(subscores, r'"severity":\s*(?P<severity>-?[0-9.]+(?:[eE][-+]?\d+)?)')
    return pc.cast(pc.struct_field(matched, [0]), pa.float64())


def read_registry_parquet(directory: Path) -> dict[str, pd.DataFrame]:
    """The registry tables `build_analysis_dataset` needs, from a directory written by
    `spinereg synth --out DIR` (`<app>.<model>.parquet`), reading only the needed columns and
    never the identity table."""
    if not directory.is_dir():
        raise RuleViolation(
            field="directory", rule="directory_exists", message=f"{directory} is not a directory"
        )
    tables: dict[str, pd.DataFrame] = {}
    for label, columns in REGISTRY_COLUMNS.items():
        path = directory / f"{label}.parquet"
        if not path.exists():
            raise RuleViolation(
                field=label, rule="table_present", message=f"{path.name} is not in {directory}"
            )
        wanted = [column for column in columns if column != "severity"]
        if label == "outcomes.questionnaireresponse":
            wanted.append("subscores")
        table = pq.read_table(path, columns=wanted)
        if label == "outcomes.questionnaireresponse":
            severity = _severity_from_json(table.column("subscores"))
            table = table.drop_columns(["subscores"]).append_column("severity", severity)
        tables[label] = table.to_pandas(date_as_object=False)
    return tables


def synthetic_as_of(directory: Path) -> date:
    """The reference day of a synthetic cohort (its manifest's `today`): its data cut-off."""
    manifest = directory / "manifest.json"
    if not manifest.exists():
        raise RuleViolation(
            field="manifest.json", rule="file_present", message=f"not found in {directory}"
        )
    return date.fromisoformat(json.loads(manifest.read_text())["today"])


def analysis_dataset_from_synthetic(directory: Path) -> AnalysisDataset:
    """The analysis dataset of a synthetic cohort written by `spinereg synth --out DIR`."""
    manifest = json.loads((directory / "manifest.json").read_text()) if directory.is_dir() else {}
    clinics = [clinic["code"] for clinic in manifest.get("clinics", [])]
    return build_analysis_dataset(
        read_registry_parquet(directory),
        as_of=synthetic_as_of(directory),
        metadata={
            "source": "synthetic cohort (spinereg synth)",
            "synthetic": True,
            "clinics": clinics,
        },
    )
