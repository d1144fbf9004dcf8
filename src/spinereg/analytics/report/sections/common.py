"""Helpers shared by the section builders: column checks that name the table, number
formatting for tables, visit order and the follow-up scores of a visit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spinereg.analytics.exceptions import EmptyGroupError, MissingColumnError
from spinereg.analytics.frames import in_window

VISIT_ORDER = ("baseline", "2wk", "6wk", "3mo", "6mo", "12mo", "24mo", "36mo", "48mo", "60mo")
PRIMARY_VISIT = "12mo"
INSTRUMENT_AXIS = {
    ("odi-2.1a", "value"): ("ODI", "ODI (points, 0–100; lower is better)"),
    ("nrs-pain", "value"): ("Pain NRS", "Pain NRS (points, 0–10; lower is better)"),
    ("vas-pain", "value"): ("Pain VAS", "Pain VAS (mm, 0–100; lower is better)"),
}
MIN_GROUP = 5  # fewer episodes than this in a group: no estimate shown for it


class TableColumnMissingError(MissingColumnError):
    """A column missing from one table of the analysis dataset."""

    def __init__(self, table: str, column: str, available: Sequence[str]) -> None:
        super().__init__(column, available=())
        self.args = (
            f"column {column!r} is missing from the {table} table of the analysis dataset "
            f"(it has {len(available)} columns)",
        )


def need(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            raise TableColumnMissingError(table, column, [str(name) for name in frame.columns])


def need_rows(frame: pd.DataFrame, what: str) -> None:
    if frame.empty:
        raise EmptyGroupError(f"no {what} in the dataset")


def number(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f}"


def mean_sd(values: pd.Series[Any]) -> str:
    present = pd.to_numeric(values, errors="coerce").dropna()
    if present.empty:
        return "–"
    if len(present) == 1:
        return f"{present.iloc[0]:.1f} (n = 1)"
    return f"{present.mean():.1f} ({present.std(ddof=1):.1f})"


def median_iqr(values: pd.Series[Any], scale: float = 1.0, digits: int = 1) -> str:
    present = pd.to_numeric(values, errors="coerce").dropna() / scale
    if present.empty:
        return "–"
    q1, q2, q3 = np.quantile(present, [0.25, 0.5, 0.75])
    return f"{q2:,.{digits}f} ({q1:,.{digits}f}–{q3:,.{digits}f})"


def count_share(flags: pd.Series[Any]) -> str:
    present = flags.dropna().astype(bool)
    if present.empty:
        return "–"
    return f"{int(present.sum()):,} ({100 * present.mean():.1f}%)"


def share_ci(share: float, lower: float, upper: float) -> str:
    if not math.isfinite(share):
        return "–"
    return f"{100 * share:.1f}% ({100 * lower:.1f}–{100 * upper:.1f})"


def p_value(p: float) -> str:
    if not math.isfinite(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def visit_rank(visit: str) -> int:
    return VISIT_ORDER.index(visit) if visit in VISIT_ORDER else len(VISIT_ORDER)


def visit_scores(
    outcomes: pd.DataFrame, visit: str, instrument: str, score: str = "value"
) -> pd.DataFrame:
    """One in-window answer per episode at `visit`: `episode`, `value`, `baseline_value`,
    `improvement` (baseline − value: positive is better, as every shipped score is lower-is-
    better)."""
    need(
        outcomes,
        "outcomes",
        ["episode", "timepoint", "out_of_window", "instrument", "score", "value", "baseline_value"],
    )
    rows = outcomes.loc[
        (outcomes["timepoint"] == visit)
        & (outcomes["instrument"] == instrument)
        & (outcomes["score"] == score)
        & in_window(outcomes),
        ["episode", "value", "baseline_value"],
    ].drop_duplicates("episode", keep="last")
    return rows.assign(improvement=rows["baseline_value"] - rows["value"])
