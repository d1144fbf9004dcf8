"""`mean_trajectories`: the mean of a score at each follow-up visit, by group, with its 95%
confidence interval, for the outcome-trajectory figures.

The interval is Student's: mean ± t₀.₉₇₅,ₙ₋₁ · s / √n, R's `t.test(x)$conf.int` (checked in
tests/known_answers/report_trajectories.R). Each visit's mean is of the patients who answered
it, so later means describe a shrinking, possibly selected group: the attrition section says
how much. A visit with fewer than 2 answers gets its mean and no interval (`note` says so).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.frames import in_window, require_columns

TRAJECTORY_COLUMNS = ("timepoint", "day", "n", "mean", "sd", "se", "lower", "upper", "note")


def mean_trajectories(
    outcomes: pd.DataFrame,
    instrument: str,
    score: str = "value",
    by: Sequence[str] = ("treatment",),
    *,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Per group of `by` and visit (baseline included, ordered by median day): n, mean, SD,
    SE and the t interval of `value` for one instrument score; out-of-window answers left out.
    """
    keys = list(by)
    needed = ["timepoint", "out_of_window", "instrument", "score", "value", "days_from_index"]
    require_columns(outcomes, [*needed, *keys])
    rows = outcomes.loc[
        (outcomes["instrument"] == instrument)
        & (outcomes["score"] == score)
        & in_window(outcomes)
        & (outcomes["timepoint"] != "")
        & outcomes["value"].notna()
    ]
    if rows.empty:
        raise EmptyGroupError(f"no in-window answers to {instrument} ({score})")
    day = rows.groupby("timepoint", observed=True)["days_from_index"].median()
    summary = (
        rows.groupby([*keys, "timepoint"], observed=True)["value"]
        .agg(n="size", mean="mean", sd="std")
        .reset_index()
    )
    n = summary["n"].to_numpy(dtype=np.float64)
    se = summary["sd"].to_numpy(dtype=np.float64) / np.sqrt(n)
    enough = n >= 2
    quantile = np.full(n.shape, np.nan)
    quantile[enough] = stats.t.ppf((1 + conf_level) / 2, n[enough] - 1)
    mean = summary["mean"].to_numpy(dtype=np.float64)
    summary["se"] = np.where(enough, se, np.nan)
    summary["lower"] = np.where(enough, mean - quantile * se, np.nan)
    summary["upper"] = np.where(enough, mean + quantile * se, np.nan)
    summary["note"] = np.where(enough, "", "fewer than 2 answers: no interval")
    summary["day"] = summary["timepoint"].map(day).astype("float64")
    summary = summary.sort_values([*keys, "day"], kind="stable").reset_index(drop=True)
    return summary[[*keys, *TRAJECTORY_COLUMNS]]
