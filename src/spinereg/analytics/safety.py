"""`adverse_event_rates`: adverse events per 100 procedures, by group and event category, with
exact binomial (Clopper–Pearson) intervals; with no event, the one-sided 95% upper bound.

Clopper and Pearson (1934) Biometrika 26:404: the limits are beta quantiles,
lower = B⁻¹(α/2; x, n − x + 1), upper = B⁻¹(1 − α/2; x + 1, n − x), as R's
`binom.test(x, n)$conf.int`. With x = 0 a two-sided interval wastes half its error on a bound
that is already 0, so the report gives the one-sided upper bound 1 − α^(1/n), R's
`binom.test(0, n, alternative = "less")$conf.int[2]` (≈ 3/n, the "rule of three": Hanley and
Lippman-Hand 1983, JAMA 249:1743). Checked in tests/known_answers/report_safety.R.

A rate counts procedures (episodes) with at least one event of the category, so it is a
proportion and binomial; the number of events is shown beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.frames import require_columns
from spinereg.analytics.membership import is_member
from spinereg.core.errors import RuleViolation

FloatArray = npt.NDArray[np.float64]
ANY_EVENT = "any adverse event"
SERIOUS = "any serious adverse event"
TWO_SIDED = "two-sided"
UPPER_BOUND = "one-sided upper bound"


def clopper_pearson(
    events: npt.ArrayLike, trials: npt.ArrayLike, conf_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Exact two-sided limits of a binomial proportion, as R's `binom.test(x, n)$conf.int`."""
    _check_level(conf_level)
    x = np.atleast_1d(np.asarray(events, dtype=np.float64))
    n = np.atleast_1d(np.asarray(trials, dtype=np.float64))
    _check_counts(x, n)
    alpha = 1 - conf_level
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        upper = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def upper_bound_no_events(trials: npt.ArrayLike, conf_level: float = 0.95) -> FloatArray:
    """One-sided upper limit with no event in `trials`: 1 − (1 − conf_level)^(1/n), R's
    `binom.test(0, n, alternative = "less", conf.level = conf_level)$conf.int[2]`."""
    _check_level(conf_level)
    n = np.atleast_1d(np.asarray(trials, dtype=np.float64))
    _check_counts(np.zeros_like(n), n)
    return np.asarray(1 - (1 - conf_level) ** (1 / n), dtype=np.float64)


def _check_level(conf_level: float) -> None:
    if not 0 < conf_level < 1:
        raise RuleViolation(
            field="conf_level", rule="open_unit_interval", message=f"{conf_level} is not in (0, 1)"
        )


def _check_counts(x: FloatArray, n: FloatArray) -> None:
    if np.any(n < 1):
        raise RuleViolation(field="trials", rule="positive", message="need at least one trial")
    if np.any(x < 0) or np.any(x > n):
        raise RuleViolation(
            field="events", rule="within_trials", message="must lie between 0 and the trials"
        )


def adverse_event_rates(
    adverse_events: pd.DataFrame,
    episodes: pd.DataFrame,
    by: Sequence[str] = ("treatment",),
    category: str = "code",
    *,
    categories: Sequence[str] | None = None,
    related_only: bool = False,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Per group of `by` and category: `procedures` (episodes of the group), `events`,
    `episodes_with_event`, `rate_per_100` and its limits per 100 procedures, and `interval`
    (two-sided, or the one-sided upper bound when no episode had the event).

    Rows come for every category in `categories` (so a category nobody had still gets its
    upper bound), else for the categories seen; plus "any adverse event" and "any serious
    adverse event". `related_only` keeps events judged possibly, probably or definitely
    related (the `related` column).
    """
    group_keys = list(by)
    require_columns(episodes, ["episode", *group_keys])
    require_columns(
        adverse_events, ["episode", category, "serious", *(["related"] if related_only else [])]
    )
    if episodes.empty:
        raise EmptyGroupError("no procedures to count adverse events against")
    events = adverse_events.loc[is_member(adverse_events["episode"], episodes["episode"])]
    if related_only:
        events = events.loc[events["related"].fillna(False).astype(bool)]
    # The groups come from the episodes table, whatever copies the events table carries.
    events = events.drop(columns=[key for key in group_keys if key in events.columns])
    events = events.merge(episodes[["episode", *group_keys]], on="episode", how="inner")
    procedures = episodes.groupby(group_keys, observed=True).size().rename("procedures")
    labels = list(categories) if categories is not None else sorted(events[category].unique())
    tagged = [
        events.assign(_category=events[category].astype(str)),
        events.assign(_category=ANY_EVENT),
        events.loc[events["serious"].fillna(False).astype(bool)].assign(_category=SERIOUS),
    ]
    stacked = pd.concat(tagged, ignore_index=True)
    keys = [*group_keys, "_category"]
    counted = stacked.groupby(keys, observed=True).agg(
        events=("episode", "size"), episodes_with_event=("episode", "nunique")
    )
    grid = pd.MultiIndex.from_tuples(
        [
            (*((group,) if len(group_keys) == 1 else group), label)
            for group in procedures.index
            for label in [*labels, ANY_EVENT, SERIOUS]
        ],
        names=keys,
    )
    table = counted.reindex(grid, fill_value=0).reset_index()
    table = table.merge(procedures.reset_index(), on=group_keys)
    table = table.rename(columns={"_category": "category"})
    n = table["procedures"].to_numpy(dtype=np.float64)
    x = table["episodes_with_event"].to_numpy(dtype=np.float64)
    lower, upper = clopper_pearson(x, n, conf_level)
    bound = upper_bound_no_events(n, conf_level)
    none = x == 0
    table["rate_per_100"] = 100 * x / n
    table["lower_per_100"] = np.where(none, 0.0, 100 * lower)
    table["upper_per_100"] = 100 * np.where(none, bound, upper)
    table["interval"] = np.where(none, UPPER_BOUND, TWO_SIDED)
    return table
