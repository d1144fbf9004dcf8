"""`logrank`: the log-rank test that survival curves are equal across groups.

The k-sample test of Mantel (1966) Cancer Chemother Rep 50:163 in the form of R's
`survdiff(Surv(time, event) ~ group)` (rho = 0): observed minus expected events per group, with
the hypergeometric covariance summed over the distinct event times, chi-square on (groups − 1)
degrees of freedom. Checked against survival 3.5 in tests/known_answers/survival_reference.R.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.survival.inputs import (
    IntArray,
    check_length,
    event_indicators,
    survival_times,
    time_blocks,
)
from spinereg.core.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class LogRankResult:
    """chi_square, df, p: R's `survdiff()$chisq`, its degrees of freedom and `$pvalue`.
    groups: indexed by group label (sorted, or in category order for a categorical), columns
    `n`, `observed`, `expected` (R's `$n`, `$obs`, `$exp`)."""

    chi_square: float
    df: int
    p: float
    groups: pd.DataFrame


def logrank(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | Sequence[Hashable | None]
) -> LogRankResult:
    """Test equality of the survival curves of the groups in `group` (any labels; at least
    two groups with subjects at risk at an event time)."""
    times = survival_times(time, field="time")
    events = event_indicators(event, length=times.size, field="event", length_of="time")
    codes, labels = _group_codes(group, length=times.size)
    n_groups = labels.size
    if n_groups < 2:
        raise EmptyGroupError(
            f"the log-rank test needs at least two groups; group has only {list(labels)}"
        )

    blocks = time_blocks(times)
    cell = blocks.block_of_sorted * n_groups + codes[blocks.order]
    n_cells = blocks.times.size * n_groups
    entering = np.bincount(cell, minlength=n_cells).reshape(-1, n_groups)
    deaths = np.bincount(cell, weights=events[blocks.order], minlength=n_cells).reshape(
        -1, n_groups
    )
    at_risk = np.cumsum(entering[::-1], axis=0)[::-1].astype(np.float64)
    with_deaths = deaths.sum(axis=1) > 0
    at_risk, deaths = at_risk[with_deaths], deaths[with_deaths]
    n_total = at_risk.sum(axis=1)
    d_total = deaths.sum(axis=1)

    expected = (at_risk * (d_total / n_total)[:, None]).sum(axis=0)
    observed = deaths.sum(axis=0)
    # Hypergeometric covariance, zero where only one subject is at risk (survdiff2.c).
    informative = n_total > 1
    factor = np.zeros_like(n_total)
    factor[informative] = (
        d_total[informative]
        * (n_total[informative] - d_total[informative])
        / (n_total[informative] * (n_total[informative] - 1))
    )
    covariance = (
        np.diag((factor[:, None] * at_risk).sum(axis=0))
        - (at_risk * (factor / n_total)[:, None]).T @ at_risk
    )

    usable = expected > 0
    if usable.sum() < 2:
        raise EmptyGroupError(
            "the log-rank test needs subjects at risk at an event time in at least two groups; "
            f"only {list(labels[usable])} have any"
        )
    difference = (observed - expected)[usable][1:]
    reduced = covariance[np.ix_(usable, usable)][1:, 1:]
    chi_square = float(difference @ np.linalg.solve(reduced, difference))
    df = int(usable.sum()) - 1
    table = pd.DataFrame(
        {
            "n": entering.sum(axis=0),
            "observed": observed,
            "expected": expected,
        },
        index=pd.Index(labels, name="group"),
    )
    return LogRankResult(
        chi_square=chi_square, df=df, p=float(stats.chi2.sf(chi_square, df)), groups=table
    )


def _group_codes(
    group: ArrayLike | Sequence[Hashable | None], *, length: int
) -> tuple[IntArray, NDArray[Any]]:
    labels_in = group if isinstance(group, pd.Series) else pd.Series(np.asarray(group))
    check_length(labels_in.to_numpy(), length=length, field="group", length_of="time")
    if labels_in.isna().any():
        position = int(np.flatnonzero(labels_in.isna().to_numpy())[0])
        raise RuleViolation(
            field="group",
            rule="no_missing",
            message=f"missing label at position {position}; drop those rows or label them",
        )
    if isinstance(labels_in.dtype, pd.CategoricalDtype):
        present = labels_in.cat.remove_unused_categories()
        codes = np.asarray(present.cat.codes, dtype=np.int64)
        return codes, present.cat.categories.to_numpy()
    factor_codes, labels = pd.factorize(labels_in, sort=True)
    return np.asarray(factor_codes, dtype=np.int64), np.asarray(labels)
