"""Attrition: how many living, enrolled patients completed each follow-up visit, and how those
followed differ at baseline from those lost.

`completion_by_visit`: per visit, completed ÷ (completed + missed) with Wilson limits
(`response_rates.wilson_interval`). Visits still open at the cut-off (pending) and visits
after death or withdrawal (not expected) are outside the denominator: they are not losses.
Registries report this figure as their response rate (NORspine 71.6% at 12 months, Swespine
≈ 75%; DOMAIN.md §7.5).

`followed_vs_lost`: baseline characteristics of the patients who completed a visit against
those who missed it. Standardised differences (followed − lost) over the pooled SD
sqrt((s₁² + s₀²) / 2), proportions with p(1 − p) as the variance (Austin 2009, Stat Med
28:3083); tests: Welch's t-test for a number, R's `t.test(x ~ group)`; Pearson's chi-square
without continuity correction for a category, R's `chisq.test(table, correct = FALSE)`
(checked in tests/known_answers/report_attrition.R). Lost patients differing at baseline is
what makes complete-case outcome estimates biased (missing at random at best).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.frames import require_columns
from spinereg.analytics.response_rates import wilson_interval

COMPLETION_COLUMNS = (
    "visit",
    "target_day",
    "completed",
    "missed",
    "pending",
    "not_expected",
    "expected",
    "share",
    "lower",
    "upper",
)


def completion_by_visit(
    followup: pd.DataFrame, by: Sequence[str] = (), conf_level: float = 0.95
) -> pd.DataFrame:
    """Per visit (in schedule order) and group of `by`: counts by status, `expected`
    (completed + missed), `share` completed and its Wilson limits (NaN when none expected)."""
    keys = list(by)
    require_columns(followup, ["visit", "target_day", "status", *keys])
    if followup.empty:
        raise EmptyGroupError("no scheduled visits to count")
    target = followup.groupby("visit", observed=True)["target_day"].median()
    counts = (
        followup.assign(_one=1)
        .pivot_table(
            index=[*keys, "visit"], columns="status", values="_one", aggfunc="sum", fill_value=0
        )
        .reindex(columns=["completed", "missed", "pending", "not_expected"], fill_value=0)
        .reset_index()
    )
    counts.columns.name = None
    counts["target_day"] = counts["visit"].map(target)
    counts["expected"] = counts["completed"] + counts["missed"]
    completed = counts["completed"].to_numpy(dtype=np.float64)
    expected = counts["expected"].to_numpy(dtype=np.float64)
    lower, upper = wilson_interval(completed, expected, conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["share"] = np.where(expected > 0, completed / expected, np.nan)
    counts["lower"], counts["upper"] = lower, upper
    counts = counts.sort_values([*keys, "target_day"], kind="stable").reset_index(drop=True)
    return counts[[*keys, *COMPLETION_COLUMNS]]


def followed_vs_lost(
    episodes: pd.DataFrame,
    followup: pd.DataFrame,
    visit: str,
    continuous: Sequence[str],
    categorical: Sequence[str],
) -> pd.DataFrame:
    """Baseline characteristics of episodes that completed `visit` (followed) against those
    that missed it (lost). One row per continuous characteristic, and per level of each
    categorical one: `followed`, `lost` (mean and SD, or count and share), `smd`, and the test
    of the characteristic (`test`, `statistic`, `df`, `p`) on its first row.
    Rows with the characteristic missing are left out of that row's figures (`n_followed`,
    `n_lost` say how many remain)."""
    require_columns(episodes, ["episode", *continuous, *categorical])
    require_columns(followup, ["episode", "visit", "status"])
    at_visit = followup.loc[
        (followup["visit"] == visit) & followup["status"].isin(["completed", "missed"]),
        ["episode", "status"],
    ].drop_duplicates("episode")
    # The episodes table has a status of its own (the episode's): keep the visit's apart.
    at_visit = at_visit.rename(columns={"status": "_visit_status"})
    if at_visit.empty:
        raise EmptyGroupError(f"no visit {visit!r} is completed or missed yet", group=visit)
    data = episodes.merge(at_visit, on="episode", how="inner")
    followed = data["_visit_status"] == "completed"
    for label, count in (("followed", int(followed.sum())), ("lost", int((~followed).sum()))):
        if count < 2:
            raise EmptyGroupError(
                f"{count} {label} patient(s) at {visit}: too few to compare", group=label
            )
    rows: list[dict[str, object]] = []
    for name in continuous:
        values = pd.to_numeric(data[name], errors="coerce").astype("float64")
        a, b = values[followed].dropna(), values[~followed].dropna()
        if len(a) < 2 or len(b) < 2:
            raise EmptyGroupError(f"{name!r}: fewer than 2 values in a group", group=name)
        pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
        if pooled == 0:
            # The same value for everyone: nothing to test, and no difference to report.
            statistic, df, p, test_name = np.nan, np.nan, np.nan, "none (no variation)"
        else:
            test = stats.ttest_ind(a, b, equal_var=False)
            statistic, df, p, test_name = test.statistic, test.df, test.pvalue, "Welch t"
        rows.append(
            {
                "characteristic": name,
                "level": "",
                "n_followed": len(a),
                "n_lost": len(b),
                "followed": f"{a.mean():.1f} ({a.std(ddof=1):.1f})",
                "lost": f"{b.mean():.1f} ({b.std(ddof=1):.1f})",
                "followed_value": float(a.mean()),
                "lost_value": float(b.mean()),
                "smd": float((a.mean() - b.mean()) / pooled) if pooled > 0 else 0.0,
                "test": test_name,
                "statistic": float(statistic),
                "df": float(df),
                "p": float(p),
            }
        )
    for name in categorical:
        present = data[name].notna()
        levels = data.loc[present, name].astype(str)
        table = pd.crosstab(levels, followed[present])
        if table.shape[0] < 2:
            only = table.index[0] if table.shape[0] else None
            raise EmptyGroupError(f"{name!r} takes one value ({only!r}) only", group=name)
        statistic, p, df, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
        n_followed = int(table.get(True, pd.Series(dtype=int)).sum())
        n_lost = int(table.get(False, pd.Series(dtype=int)).sum())
        for position, level in enumerate(table.index):
            count_followed = int(table.loc[level].get(True, 0))
            count_lost = int(table.loc[level].get(False, 0))
            share_followed = count_followed / n_followed
            share_lost = count_lost / n_lost
            spread = np.sqrt(
                (share_followed * (1 - share_followed) + share_lost * (1 - share_lost)) / 2
            )
            rows.append(
                {
                    "characteristic": name,
                    "level": str(level),
                    "n_followed": n_followed,
                    "n_lost": n_lost,
                    "followed": f"{count_followed} ({100 * share_followed:.1f}%)",
                    "lost": f"{count_lost} ({100 * share_lost:.1f}%)",
                    "followed_value": float(share_followed),
                    "lost_value": float(share_lost),
                    "smd": float((share_followed - share_lost) / spread) if spread > 0 else 0.0,
                    "test": "Pearson chi-square" if position == 0 else "",
                    "statistic": float(statistic) if position == 0 else np.nan,
                    "df": float(df) if position == 0 else np.nan,
                    "p": float(p) if position == 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)
