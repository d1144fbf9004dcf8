"""Subgroup analysis and the test of subgroup differences (metafor's two recipes).

`subgroup_analysis(yi, vi, groups, ...)` fits one model per subgroup (each with its own tau²,
as `rma(yi, vi, subset = group == g)`), then reports two tests of whether the subgroups differ:

- `q_between`: the test of subgroup differences of RevMan and Borenstein et al. (2009, ch. 19):
  Cochran's Q of a common-effect model on the subgroup estimates with their standard errors,
  `rma(estimates, sei = ses, method = "FE")$QE` on g - 1 degrees of freedom. Because each
  subgroup keeps its own tau², this is the "separate tau²" version.
- `moderator`: the mixed-effects meta-regression `rma(yi, vi, mods = ~ factor(group), method,
  test)` with one tau² shared by all subgroups; its omnibus test QM (chi-square on g - 1 df, or
  F on g - 1 and k - g df under Knapp-Hartung) and the residual tau². Not computed (None) when
  there are no residual degrees of freedom (k = g).

Both are checked against R in tests/known_answers/meta_bcg.R (dat.bcg by allocation method).
A subgroup of one study is fitted as metafor fits k = 1 (tau² = 0, z test).
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from spinereg.analytics.meta.model import DEFAULT_TAU2_TOLERANCE, fit_rma
from spinereg.analytics.meta.pooling import (
    RandomEffectsResult,
    result_from_fit,
    validate_effects,
    validate_options,
)
from spinereg.core.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class ModeratorTest:
    """Omnibus test of rma(yi, vi, mods = ~ factor(group)): QM, its df and p, residual tau²."""

    qm: float
    qm_df: int
    qm_df_residual: int | None  # the F test's denominator df (Knapp-Hartung), None for z
    qm_pval: float
    tau2: float


@dataclass(frozen=True, eq=False)
class SubgroupAnalysis:
    """Per-subgroup pooled results (in order of first appearance) and the tests between them."""

    groups: dict[str, RandomEffectsResult]
    overall: RandomEffectsResult
    q_between: float
    q_between_df: int
    q_between_pval: float
    moderator: ModeratorTest | None


def subgroup_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: Sequence[Hashable],
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
    *,
    tau2_tolerance: float = DEFAULT_TAU2_TOLERANCE,
) -> SubgroupAnalysis:
    """Separate random-effects models per subgroup plus the tests of subgroup differences."""
    y, v = validate_effects(yi, vi)
    method, test = validate_options(method, test, conf_level)
    labels = [str(group) for group in groups]
    if len(labels) != len(y):
        raise RuleViolation(
            field="groups",
            rule="same_length",
            message=f"has {len(labels)} values but yi has {len(y)}",
        )
    levels = list(dict.fromkeys(labels))
    if len(levels) < 2:
        raise RuleViolation(
            field="groups",
            rule="min_groups",
            message=f"all studies are in one subgroup ({levels[0]!r}); need at least two",
        )
    membership: NDArray[np.str_] = np.asarray(labels, dtype=str)
    per_group: dict[str, RandomEffectsResult] = {}
    for level in levels:
        mask = membership == level
        fit = fit_rma(
            y[mask],
            v[mask],
            np.ones((int(mask.sum()), 1)),
            method=method,
            test=test,
            conf_level=conf_level,
            tau2_tolerance=tau2_tolerance,
        )
        per_group[level] = result_from_fit(fit, y[mask], v[mask])

    estimates = np.array([result.estimate for result in per_group.values()])
    ses = np.array([result.se for result in per_group.values()])
    between = fit_rma(
        estimates,
        ses**2,
        np.ones((len(levels), 1)),
        method="FE",
        test="z",
        conf_level=conf_level,
    )
    overall = result_from_fit(
        fit_rma(
            y,
            v,
            np.ones((len(y), 1)),
            method=method,
            test=test,
            conf_level=conf_level,
            tau2_tolerance=tau2_tolerance,
        ),
        y,
        v,
    )
    return SubgroupAnalysis(
        groups=per_group,
        overall=overall,
        q_between=between.q,
        q_between_df=between.q_df,
        q_between_pval=between.q_pval,
        moderator=_moderator_test(
            y, v, membership, levels, method, test, conf_level, tau2_tolerance
        ),
    )


def _moderator_test(
    y: NDArray[np.float64],
    v: NDArray[np.float64],
    membership: NDArray[np.str_],
    levels: list[str],
    method: str,
    test: str,
    conf_level: float,
    tau2_tolerance: float,
) -> ModeratorTest | None:
    k, g = len(y), len(levels)
    if k <= g:
        return None
    # Reference coding on the first level: the omnibus QM and tau² do not depend on which level
    # is the reference (metafor uses the alphabetically first level of the factor).
    design = np.column_stack(
        [np.ones(k)] + [(membership == level).astype(float) for level in levels[1:]]
    )
    fit = fit_rma(
        y,
        v,
        design,
        method=method,
        test=test,
        conf_level=conf_level,
        tau2_tolerance=tau2_tolerance,
    )
    return ModeratorTest(
        qm=fit.qm,
        qm_df=fit.qm_df,
        qm_df_residual=fit.df,
        qm_pval=fit.qm_pval,
        tau2=fit.tau2,
    )
