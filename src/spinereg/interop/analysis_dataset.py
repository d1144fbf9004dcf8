"""The analysis dataset: the de-identified Parquet tables that `spinereg export analysis` writes
and `spinereg.analytics` reads, defined once here (tables, columns, types), with `validate`,
`read_analysis_dataset` and `write_analysis_dataset`.

De-identified by construction (HIPAA Safe Harbor, 45 CFR 164.514(b)(2); DOMAIN.md §6.3): a
patient is their registry pseudonym, an episode is `<pseudonym>-<n>` (the patient's n-th dated
episode), ages are whole years at the index procedure capped at 90, and every time is a number
of days from the index procedure (day 0). No names, record numbers, contacts, database ids or
dates. The clinic is its short code.

Tables (one Parquet file each, `<table>.parquet`, plus `dataset.json`):
- `episodes`: one row per episode with an index date: who (sex, age), what (condition,
  treatment), follow-up (days observed, death and withdrawal days), baseline scores and, for
  BMAC, the product composition (DOMAIN.md §5).
- `outcomes`: long, one row per episode × visit × instrument score, with the baseline of the
  same score beside it.
- `adverse_events`, `reinterventions`: one row per event, timed in days from index.
- `followup`: one row per scheduled visit with its status at the data cut-off, for attrition.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype, is_string_dtype

from spinereg.core.errors import RuleViolation

SCHEMA_VERSION = "1"
MANIFEST = "dataset.json"

# Column kinds: "text" (codes), "int" (whole numbers, may be missing), "float", "bool" (may be
# missing). `required=False` columns may be absent from a dataset written by an older version.
TEXT, INT, FLOAT, BOOL = "text", "int", "float", "bool"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str
    description: str
    nullable: bool = False


def _c(name: str, kind: str, description: str, *, nullable: bool = False) -> Column:
    return Column(name, kind, description, nullable)


EPISODE_KEYS = (
    _c("episode", TEXT, "episode key: patient pseudonym and the episode's number, e.g. AB12-1"),
    _c("patient", TEXT, "patient pseudonym (random registry code)"),
)
EPISODE_ATTRIBUTES = (
    _c("clinic", TEXT, "clinic code"),
    _c("condition", TEXT, "discogenic or facet (spinereg.core.vocabulary.Condition)"),
    _c("treatment", TEXT, "bmac or a comparator (spinereg.core.vocabulary.TreatmentKind)"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "episodes": (
        *EPISODE_KEYS,
        *EPISODE_ATTRIBUTES,
        _c("sex", TEXT, "female, male, other or unknown"),
        _c("age_at_index", INT, "whole years at the index procedure, 90 for 90 or older"),
        _c("status", TEXT, "active, completed or withdrawn"),
        _c(
            "level_count",
            INT,
            "spinal levels diagnosed with the episode's condition",
            nullable=True,
        ),
        _c("levels", TEXT, "those levels, ';'-separated", nullable=True),
        _c("enrolled_day", INT, "day of enrolment (≤ 0)"),
        _c("followup_days", INT, "days observed: to the cut-off, death or withdrawal"),
        _c("deceased_day", INT, "day of death", nullable=True),
        _c("withdrawn_day", INT, "day of withdrawal", nullable=True),
        _c("baseline_odi", FLOAT, "baseline ODI (0–100 points)", nullable=True),
        _c("baseline_nrs", FLOAT, "baseline pain NRS (0–10)", nullable=True),
        _c("baseline_vas", FLOAT, "baseline pain VAS (0–100 mm)", nullable=True),
        _c("baseline_bpi_interference", FLOAT, "baseline BPI interference (0–10)", nullable=True),
        _c("baseline_bpi_severity", FLOAT, "baseline BPI severity (0–10)", nullable=True),
        _c("aspirate_volume_ml", FLOAT, "marrow aspirated (mL)", nullable=True),
        _c("concentrate_volume_ml", FLOAT, "concentrate obtained (mL)", nullable=True),
        _c("injected_volume_ml", FLOAT, "volume injected, all levels (mL)", nullable=True),
        _c("tnc_per_ml", FLOAT, "total nucleated cells per mL of concentrate", nullable=True),
        _c("cfu_f_per_ml", FLOAT, "CFU-F per mL of concentrate", nullable=True),
        _c("cd34_per_ml", FLOAT, "CD34+ cells per mL of concentrate", nullable=True),
        _c("aspirate_tnc_per_ml", FLOAT, "total nucleated cells per mL of aspirate", nullable=True),
        _c(
            "concentration_factor",
            FLOAT,
            "TNC per mL of concentrate ÷ TNC per mL of aspirate (DOMAIN.md §5 cf_tnc)",
            nullable=True,
        ),
        _c("cfu_f_injected", FLOAT, "CFU-F per mL × injected mL (DOMAIN.md §5)", nullable=True),
        _c(
            "cfu_f_above_2000",
            BOOL,
            "CFU-F per mL of concentrate > 2,000, strictly (Pettine 2015 threshold)",
            nullable=True,
        ),
    ),
    "outcomes": (
        *EPISODE_KEYS,
        *EPISODE_ATTRIBUTES,
        _c("timepoint", TEXT, "visit code (baseline, 2wk … 60mo); empty when out of window"),
        _c("days_from_index", INT, "day the questionnaire was answered"),
        _c("out_of_window", BOOL, "answered outside every visit window (DOMAIN.md §8)"),
        _c("instrument", TEXT, "instrument id, e.g. odi-2.1a"),
        _c("score", TEXT, "'value' or the instrument's subscore (bpi-sf: interference, severity)"),
        _c("value", FLOAT, "the score"),
        _c("baseline_value", FLOAT, "the same score at the baseline visit", nullable=True),
    ),
    "adverse_events": (
        *EPISODE_KEYS,
        *EPISODE_ATTRIBUTES,
        _c("code", TEXT, "catalogue code (DOMAIN.md §9), e.g. harvest_site_pain"),
        _c("onset_day", INT, "day of onset"),
        _c("resolved_day", INT, "day resolved", nullable=True),
        _c("severity_grade", INT, "CTCAE v5.0 grade 1–5"),
        _c("serious", BOOL, "ICH E2A serious"),
        _c("related_harvest", TEXT, "relatedness to the harvest"),
        _c("related_injection", TEXT, "relatedness to the injection procedure"),
        _c("related_product", TEXT, "relatedness to the product or its processing"),
        _c("related_medication", TEXT, "relatedness to concomitant medication"),
        _c("related", BOOL, "possible, probable or definite in any of the four (DOMAIN.md §9)"),
    ),
    "reinterventions": (
        *EPISODE_KEYS,
        *EPISODE_ATTRIBUTES,
        _c("kind", TEXT, "the repeat procedure or surgery (TreatmentKind)"),
        _c("at_index_level", BOOL, "at the level treated in the episode"),
        _c("day", INT, "day of the procedure"),
    ),
    "followup": (
        *EPISODE_KEYS,
        *EPISODE_ATTRIBUTES,
        _c("visit", TEXT, "visit code"),
        _c("target_day", INT, "target day"),
        _c("window_start_day", INT, "first day of the window"),
        _c("window_end_day", INT, "last day of the window"),
        _c(
            "status",
            TEXT,
            "completed; missed (window closed, alive and enrolled); pending (window still open "
            "or ahead at the cut-off); not_expected (died or withdrew before the window closed)",
        ),
    ),
}

FOLLOWUP_STATUSES = ("completed", "missed", "pending", "not_expected")
RELATEDNESS = ("not_related", "unlikely", "possible", "probable", "definite")
RELATED_LEVELS = ("possible", "probable", "definite")

_ARROW: dict[str, pa.DataType] = {
    TEXT: pa.string(),
    INT: pa.int64(),
    FLOAT: pa.float64(),
    BOOL: pa.bool_(),
}
# Any: pandas-stubs types astype() per literal, and these are chosen at run time.
_PANDAS: dict[str, Any] = {TEXT: "str", INT: "Int64", FLOAT: "float64", BOOL: "boolean"}


def arrow_schema(table: str) -> pa.Schema:
    """The Parquet schema of one table."""
    return pa.schema(
        [pa.field(column.name, _ARROW[column.kind], column.nullable) for column in TABLES[table]]
    )


def column_names(table: str) -> tuple[str, ...]:
    return tuple(column.name for column in TABLES[table])


@dataclass(frozen=True, slots=True)
class AnalysisDataset:
    """The five tables as pandas frames, plus `metadata` (schema version, scope, whether the
    data are synthetic, row counts). Frames missing from a directory read as empty frames
    without columns, so an analysis can say which columns it misses."""

    episodes: pd.DataFrame
    outcomes: pd.DataFrame
    adverse_events: pd.DataFrame
    reinterventions: pd.DataFrame
    followup: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {table: getattr(self, table) for table in TABLES}

    @property
    def is_synthetic(self) -> bool:
        return bool(self.metadata.get("synthetic", False))


def filter_clinics(dataset: AnalysisDataset, clinics: Iterable[str]) -> AnalysisDataset:
    """The dataset restricted to episodes of these clinic codes."""
    codes = sorted(clinics)
    frames = {
        table: frame.loc[frame["clinic"].isin(codes)].reset_index(drop=True)
        if "clinic" in frame.columns
        else frame
        for table, frame in dataset.frames().items()
    }
    return replace(dataset, **frames, metadata={**dataset.metadata, "clinics": codes})


def empty_frame(table: str) -> pd.DataFrame:
    """A frame with the table's columns and types and no rows."""
    return pd.DataFrame(
        {column.name: pd.Series([], dtype=_PANDAS[column.kind]) for column in TABLES[table]}
    )


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Columns of `table` in schema order with the schema's pandas types: text as pandas'
    string type, whole numbers as nullable Int64, flags as nullable booleans."""
    columns = {}
    for column in TABLES[table]:
        series = frame[column.name]
        columns[column.name] = series.astype(_PANDAS[column.kind])
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _kind_matches(series: pd.Series[Any], kind: str) -> bool:
    dtype = series.dtype
    if kind == TEXT:
        # Given the Series, pandas looks at the values of an object column.
        return bool(is_string_dtype(series) or isinstance(dtype, pd.CategoricalDtype))
    if kind == BOOL:
        return bool(is_bool_dtype(dtype))
    if kind == INT:
        if is_integer_dtype(dtype):
            return True
        if is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
            values = series.dropna()
            return bool((values == values.round()).all())
        return False
    return bool(is_numeric_dtype(dtype) and not is_bool_dtype(dtype))


def problems(frames: Mapping[str, pd.DataFrame]) -> list[RuleViolation]:
    """Every way `frames` departs from the schema, without raising: missing tables and
    columns, wrong types, missing values in required columns, duplicate episode keys, episodes
    referred to but not listed, unknown follow-up statuses."""
    found: list[RuleViolation] = []
    for table, columns in TABLES.items():
        if table not in frames:
            found.append(
                RuleViolation(field=table, rule="table_present", message="the table is missing")
            )
            continue
        frame = frames[table]
        for column in columns:
            where = f"{table}.{column.name}"
            if column.name not in frame.columns:
                found.append(
                    RuleViolation(
                        field=where, rule="column_present", message="the column is missing"
                    )
                )
                continue
            series = frame[column.name]
            if not _kind_matches(series, column.kind):
                found.append(
                    RuleViolation(
                        field=where,
                        rule=f"{column.kind}_column",
                        message=f"must hold {column.kind} values, not {series.dtype}",
                    )
                )
            missing = int(series.isna().sum())
            if missing and not column.nullable:
                found.append(
                    RuleViolation(
                        field=where,
                        rule="no_missing",
                        message=f"{missing} missing value(s) in a column that needs one in "
                        "every row",
                    )
                )
    episodes = frames.get("episodes")
    if episodes is not None and "episode" in episodes.columns:
        repeated = episodes["episode"][episodes["episode"].duplicated()]
        if len(repeated):
            found.append(
                RuleViolation(
                    field="episodes.episode",
                    rule="unique",
                    message=f"{len(repeated)} repeated episode key(s), e.g. {repeated.iloc[0]!r}",
                )
            )
        known = episodes["episode"].dropna()
        for table in ("outcomes", "adverse_events", "reinterventions", "followup"):
            referring = frames.get(table)
            if referring is None or "episode" not in referring.columns:
                continue
            unknown = referring.loc[~_is_in(referring["episode"], known), "episode"]
            if len(unknown):
                found.append(
                    RuleViolation(
                        field=f"{table}.episode",
                        rule="known_episode",
                        message=f"{len(unknown)} row(s) refer to episodes not in the episodes "
                        f"table, e.g. {unknown.iloc[0]!r}",
                    )
                )
    followup = frames.get("followup")
    if followup is not None and "status" in followup.columns:
        odd = sorted(set(followup["status"].dropna()) - set(FOLLOWUP_STATUSES))
        if odd:
            found.append(
                RuleViolation(
                    field="followup.status",
                    rule="known_status",
                    message=f"{odd} are not among {list(FOLLOWUP_STATUSES)}",
                )
            )
    return found


def _is_in(values: pd.Series[Any], keys: pd.Series[Any]) -> Any:
    """Membership by Arrow's hash kernel: pandas' isin on Arrow-backed strings walks the keys
    in Python (a second per call at 100,000 episodes)."""
    found = pc.is_in(
        pc.cast(pa.array(values, from_pandas=True), pa.string()),
        value_set=pc.cast(pa.array(keys, from_pandas=True), pa.string()),
        skip_nulls=True,
    )
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def validate(frames: Mapping[str, pd.DataFrame]) -> None:
    """Raise the first of `problems(frames)` (a RuleViolation naming table.column and the
    rule); return quietly when the frames follow the schema."""
    found = problems(frames)
    if found:
        extra = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        first = found[0]
        raise RuleViolation(field=first.field, rule=first.rule, message=first.message + extra)


def write_analysis_dataset(
    dataset: AnalysisDataset, directory: Path, *, check: bool = True
) -> dict[str, int]:
    """Write each table as `<table>.parquet` (zstd) and `dataset.json`; returns rows per table.
    With `check` (the default) the frames are validated first and nothing is written if they
    break the schema."""
    frames = dataset.frames()
    if check:
        validate(frames)
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table, frame in frames.items():
        arrow = pa.Table.from_pandas(
            conform(frame, table), schema=arrow_schema(table), preserve_index=False
        )
        pq.write_table(arrow, directory / f"{table}.parquet", compression="zstd")
        counts[table] = arrow.num_rows
    manifest = {
        **dataset.metadata,
        "schema_version": SCHEMA_VERSION,
        "rows": counts,
        "columns": {table: list(column_names(table)) for table in TABLES},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return counts


def read_analysis_dataset(directory: Path) -> AnalysisDataset:
    """Read what `write_analysis_dataset` wrote. Does not validate (call `problems` or
    `validate`): a report on a damaged dataset should still show the sections it can.
    A missing directory is an error; a missing table reads as an empty frame."""
    if not directory.is_dir():
        raise RuleViolation(
            field="dataset", rule="directory_exists", message=f"{directory} is not a directory"
        )
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        path = directory / f"{table}.parquet"
        frames[table] = (
            pq.read_table(path).to_pandas(types_mapper=_types_mapper)
            if path.exists()
            else pd.DataFrame()
        )
    manifest_path = directory / MANIFEST
    metadata: dict[str, Any] = (
        json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    )
    return AnalysisDataset(**frames, metadata=metadata)


def _types_mapper(arrow_type: pa.DataType) -> Any:
    """Nullable pandas types for Arrow ints and bools, so a missing value stays <NA>."""
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None
