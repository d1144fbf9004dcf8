"""Sensitivity analyses of a pooled result: leave-one-out, cumulative, and the pre-post
correlation.

- `leave_one_out` is metafor's `leave1out()`: the model refitted k times, each time without one
  study (same method, test and level).
- `cumulative` is metafor's `cumul()`: studies added one at a time in the order of a sort key
  (e.g. publication year; ties keep input order, as R's `order()`); the first row is the
  one-study "model" metafor reports (tau² = 0, z test).
- `sensitivity_over_correlation` recomputes a pre-post effect ("MC" or "SMCR") and its pooled
  result for each assumed pre-post correlation r, because r is almost never reported and the
  variances - hence the weights, tau² and the CI - depend on it.

Each returns a pandas DataFrame, one row per refit; checked against R in
tests/known_answers/meta_bcg.R and meta_prepost.R.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from spinereg.analytics.meta.effect_sizes import effect_size
from spinereg.analytics.meta.model import DEFAULT_TAU2_TOLERANCE, ModelFit, fit_rma
from spinereg.analytics.meta.pooling import (
    random_effects,
    validate_effects,
    validate_options,
)
from spinereg.core.errors import RuleViolation

DEFAULT_CORRELATIONS = (0.3, 0.5, 0.7)


def leave_one_out(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
    *,
    labels: Sequence[str] | None = None,
    tau2_tolerance: float = DEFAULT_TAU2_TOLERANCE,
) -> pd.DataFrame:
    """One row per omitted study: estimate, se, statistic, pval, CI, Q, Q p, tau², I², H²."""
    y, v = validate_effects(yi, vi)
    method, test = validate_options(method, test, conf_level)
    names = _labels(labels, len(y))
    ones = np.ones((len(y) - 1, 1))
    rows = []
    for omitted in range(len(y)):
        keep = np.arange(len(y)) != omitted
        fit = fit_rma(
            y[keep],
            v[keep],
            ones,
            method=method,
            test=test,
            conf_level=conf_level,
            tau2_tolerance=tau2_tolerance,
        )
        rows.append({"omitted": names[omitted], **_row(fit)})
    return pd.DataFrame(rows)


def cumulative(
    yi: ArrayLike,
    vi: ArrayLike,
    order: ArrayLike,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
    *,
    labels: Sequence[str] | None = None,
    tau2_tolerance: float = DEFAULT_TAU2_TOLERANCE,
) -> pd.DataFrame:
    """One row per step: the model on the first 1, 2, ..., k studies sorted by `order`."""
    y, v = validate_effects(yi, vi)
    method, test = validate_options(method, test, conf_level)
    names = _labels(labels, len(y))
    sort_key = np.asarray(order)
    if sort_key.shape != y.shape:
        raise RuleViolation(
            field="order",
            rule="same_length",
            message=f"has shape {sort_key.shape} but yi has {len(y)} studies",
        )
    position = np.argsort(sort_key, kind="stable")
    rows = []
    for step in range(1, len(y) + 1):
        chosen = position[:step]
        fit = fit_rma(
            y[chosen],
            v[chosen],
            np.ones((step, 1)),
            method=method,
            test=test,
            conf_level=conf_level,
            tau2_tolerance=tau2_tolerance,
        )
        rows.append({"added": names[position[step - 1]], "k": step, **_row(fit)})
    return pd.DataFrame(rows)


def sensitivity_over_correlation(
    measure: str,
    *,
    m1i: ArrayLike,
    m2i: ArrayLike,
    sd1i: ArrayLike,
    ni: ArrayLike,
    sd2i: ArrayLike | None = None,
    correlations: Sequence[float] = DEFAULT_CORRELATIONS,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """The pooled pre-post effect for each assumed correlation r (one row per r).

    Arguments as `effect_size` ("MC" needs sd2i; "SMCR" standardises by sd1i, the pre SD).
    Rows excluded by `effect_size` (missing inputs) are left out of every fit; `k` says how many
    studies were pooled.
    """
    if measure not in ("MC", "SMCR"):
        raise RuleViolation(
            field="measure",
            rule="pre_post_measure",
            message=f"{measure!r}: the correlation only enters MC and SMCR",
        )
    if len(correlations) == 0:
        raise RuleViolation(
            field="correlations", rule="not_empty", message="give at least one correlation"
        )
    rows = []
    for r in correlations:
        effects = effect_size(measure, m1i=m1i, m2i=m2i, sd1i=sd1i, sd2i=sd2i, ni=ni, ri=r)
        pooled = random_effects(effects.included_yi, effects.included_vi, method, test, conf_level)
        rows.append(
            {
                "r": float(r),
                "k": pooled.k,
                "estimate": pooled.estimate,
                "se": pooled.se,
                "ci_lower": pooled.ci_lower,
                "ci_upper": pooled.ci_upper,
                "pval": pooled.pval,
                "tau2": pooled.tau2,
                "i2": pooled.i2,
                "pi_lower": pooled.pi_lower,
                "pi_upper": pooled.pi_upper,
            }
        )
    return pd.DataFrame(rows)


def _labels(labels: Sequence[str] | None, k: int) -> list[str]:
    if labels is None:
        return [f"study {row + 1}" for row in range(k)]
    if len(labels) != k:
        raise RuleViolation(
            field="labels", rule="same_length", message=f"has {len(labels)} labels for {k} studies"
        )
    return [str(label) for label in labels]


def _row(fit: ModelFit) -> dict[str, float]:
    return {
        "estimate": float(fit.beta[0]),
        "se": float(fit.se[0]),
        "statistic": float(fit.statistic[0]),
        "pval": float(fit.pval[0]),
        "ci_lower": float(fit.ci_lower[0]),
        "ci_upper": float(fit.ci_upper[0]),
        "q": fit.q,
        "q_pval": fit.q_pval,
        "tau2": fit.tau2,
        "i2": fit.i2,
        "h2": fit.h2,
    }
