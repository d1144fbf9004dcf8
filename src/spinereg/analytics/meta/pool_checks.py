"""How much a pooled answer depends on which studies went in: subgroups by condition, design
and product with the test of subgroup differences, leave-one-out, cumulative by year, and
Egger's test for small-study effects. Each check that the pool is too small for is named with
the reason instead of run (a subgroup test needs two groups, leave-one-out three studies, Egger
ten), so a reader sees what was and was not examined.

Estimates are on the displayed scale (proportions for PLO, points for MD); tests and
heterogeneity are those of the model (metafor: rma(mods = ~ factor(group)) and the Q between
subgroup estimates, leave1out, cumul, regtest).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spinereg.analytics.meta.sensitivity import cumulative, leave_one_out
from spinereg.analytics.meta.small_study import MIN_STUDIES_EGGER, EggerTest, egger_test
from spinereg.analytics.meta.subgroups import subgroup_analysis
from spinereg.analytics.meta.synthesis import Pool

MIN_STUDIES_LEAVE_ONE_OUT = 3
SUBGROUP_FACTORS = ("condition", "design", "product")


@dataclass(frozen=True, eq=False)
class PoolChecks:
    """`subgroups`: one row per factor x group (estimate and CI, k) with the factor's test of
    differences; `leave_one_out` and `cumulative`: metafor's tables on the displayed scale;
    `egger`: the test or None; `not_run`: each check left out, with why."""

    subgroups: pd.DataFrame
    leave_one_out: pd.DataFrame | None
    cumulative: pd.DataFrame | None
    egger: EggerTest | None
    not_run: list[str] = field(default_factory=list)


def pool_checks(pool: Pool) -> PoolChecks:
    if pool.result is None:
        return PoolChecks(pd.DataFrame(), None, None, None, [pool.not_pooled_reason])
    show = pool.displayed
    not_run: list[str] = []
    subgroups = _subgroups(pool, show, not_run)
    left_out = None
    if pool.k >= MIN_STUDIES_LEAVE_ONE_OUT:
        left_out = _on_display(leave_one_out(pool.yi, pool.vi, labels=pool.labels), show)
    else:
        not_run.append(
            f"leave-one-out: {pool.k} studies; it needs at least {MIN_STUDIES_LEAVE_ONE_OUT} "
            "so that each omission still leaves a pool"
        )
    by_year = _on_display(
        cumulative(pool.yi, pool.vi, order=np.asarray(pool.years), labels=pool.labels), show
    )
    by_year.insert(1, "year", sorted(pool.years))
    egger = None
    if pool.k >= MIN_STUDIES_EGGER:
        egger = egger_test(pool.yi, pool.vi)
    else:
        not_run.append(
            f"Egger's test: {pool.k} studies; it needs at least {MIN_STUDIES_EGGER} "
            "(Sterne et al. 2011, BMJ 343:d4002)"
        )
    return PoolChecks(subgroups, left_out, by_year, egger, not_run)


def _on_display(table: pd.DataFrame, show: Callable[[float], float]) -> pd.DataFrame:
    shown = table.copy()
    for column in ("estimate", "ci_lower", "ci_upper"):
        shown[column] = [show(value) for value in shown[column]]
    return shown


def _subgroups(pool: Pool, show: Callable[[float], float], not_run: list[str]) -> pd.DataFrame:
    records = []
    factors: dict[str, Sequence[str]] = {
        "condition": pool.conditions,
        "design": pool.designs,
        "product": pool.products,
    }
    for factor in SUBGROUP_FACTORS:
        groups = factors[factor]
        levels = list(dict.fromkeys(groups))
        if len(levels) < 2:
            only = levels[0] if levels else "none recorded"
            not_run.append(f"subgroups by {factor}: every study has the same ({only})")
            continue
        analysis = subgroup_analysis(pool.yi, pool.vi, groups)
        for level, fit in analysis.groups.items():
            records.append(
                {
                    "factor": factor,
                    "group": level,
                    "k": fit.k,
                    "estimate": show(fit.estimate),
                    "ci_lower": show(fit.ci_lower),
                    "ci_upper": show(fit.ci_upper),
                    "q_between": analysis.q_between,
                    "q_between_df": analysis.q_between_df,
                    "q_between_pval": analysis.q_between_pval,
                }
            )
    columns = ["factor", "group", "k", "estimate", "ci_lower", "ci_upper", "q_between",
               "q_between_df", "q_between_pval"]  # fmt: skip
    return pd.DataFrame(records, columns=columns)


def checks_text(checks: PoolChecks, digits: int = 2) -> list[str]:
    """The checks as short sentences, for pages and reports."""
    lines = []
    for factor, rows in checks.subgroups.groupby("factor", sort=False):
        first = rows.iloc[0]
        parts = ", ".join(
            f"{row.group} {row.estimate:.{digits}f} [{row.ci_lower:.{digits}f}, "
            f"{row.ci_upper:.{digits}f}] (k = {row.k})"
            for row in rows.itertuples()
        )
        lines.append(
            f"By {factor}: {parts}; test of subgroup differences Q = {first.q_between:.2f}, "
            f"df = {first.q_between_df}, {_p(first.q_between_pval)}."
        )
    if checks.leave_one_out is not None:
        table = checks.leave_one_out
        lines.append(
            f"Leave-one-out: the pooled estimate ranges from {table.estimate.min():.{digits}f} "
            f"to {table.estimate.max():.{digits}f} as each study is omitted."
        )
    if checks.cumulative is not None and len(checks.cumulative) > 1:
        table = checks.cumulative
        lines.append(
            "Cumulative by year: "
            + "; ".join(
                f"{row.year} {row.estimate:.{digits}f} (k = {row.k})" for row in table.itertuples()
            )
            + "."
        )
    if checks.egger is not None:
        egger = checks.egger
        lines.append(f"Egger's test: z = {egger.statistic:.2f}, {_p(egger.pval)} (k = {egger.k}).")
    lines += [f"Not run: {reason}." for reason in checks.not_run]
    return lines


def _p(pval: float) -> str:
    if math.isnan(pval):
        return "p not available"
    return "p < 0.001" if pval < 0.001 else f"p = {pval:.3f}"
