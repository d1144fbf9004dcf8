"""Pooling study effects: common-effect and random-effects meta-analysis (metafor's `rma`).

`random_effects(yi, vi, method, test, conf_level)` is `rma(yi, vi, method, test, level)` followed
by `predict()` and `weights()`: the pooled estimate with its CI and p value, tau², I², H²,
Cochran's Q, the prediction interval and each study's percent weight. The numerical work is in
`spinereg.analytics.meta.model`; checked against R in tests/known_answers/meta_*.R.

Prediction interval (metafor `predict.rma`, default pi.type): estimate ± crit · √(se² + tau²),
where crit and se are those of the CI, so under Knapp-Hartung it is the t quantile with k - 1
degrees of freedom and the Knapp-Hartung se. metafor reports no prediction interval for a
common-effect (FE) model; the interval is NaN there.
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from spinereg.analytics.meta.model import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TAU2_TOLERANCE,
    METHOD_ALIASES,
    TESTS,
    ModelFit,
    fit_rma,
)
from spinereg.core.errors import RuleViolation


@dataclass(frozen=True, eq=False)
class RandomEffectsResult:
    """A pooled analysis as metafor reports it (`print(rma(...))`, `predict()`, `weights()`).

    `statistic` is z (test "z") or t with `df` = k - 1 degrees of freedom (test "knha").
    `weights` are percents in the order of the input studies. For FE, tau2 is 0, `se_tau2`,
    `pi_lower` and `pi_upper` are NaN, and I² = max(0, (Q - df)/Q), H² = Q/df.
    """

    method: str
    test: str
    conf_level: float
    k: int
    estimate: float
    se: float
    statistic: float
    df: int | None
    ci_lower: float
    ci_upper: float
    pval: float
    tau2: float
    se_tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_pval: float
    pi_lower: float
    pi_upper: float
    weights: NDArray[np.float64]
    yi: NDArray[np.float64]
    vi: NDArray[np.float64]
    iterations: int

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)


def random_effects(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
    *,
    tau2_tolerance: float = DEFAULT_TAU2_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    step_adjustment: float = 1.0,
) -> RandomEffectsResult:
    """Pool `yi` with sampling variances `vi`: metafor's `rma(yi, vi, method, test, level)`.

    method: "FE" (common effect; metafor's "EE"/"FE", both accepted), "DL" (DerSimonian-Laird)
    or "REML" (Fisher scoring exactly as metafor: `tau2_tolerance` is its `threshold`,
    `max_iterations` its `maxiter`, `step_adjustment` its `stepadj`). test: "z" or "knha"
    (Knapp-Hartung; t distribution with k - 1 df). Needs at least two studies with finite
    effects and positive, finite variances.
    """
    y, v = validate_effects(yi, vi)
    method, test = validate_options(method, test, conf_level)
    if tau2_tolerance <= 0:
        raise RuleViolation(
            field="tau2_tolerance", rule="positive", message=f"{tau2_tolerance} is not > 0"
        )
    fit = fit_rma(
        y,
        v,
        np.ones((len(y), 1)),
        method=method,
        test=test,
        conf_level=conf_level,
        tau2_tolerance=tau2_tolerance,
        max_iterations=max_iterations,
        step_adjustment=step_adjustment,
    )
    return result_from_fit(fit, y, v)


def result_from_fit(
    fit: ModelFit, y: NDArray[np.float64], v: NDArray[np.float64]
) -> RandomEffectsResult:
    """Intercept-only `ModelFit` -> `RandomEffectsResult`, adding predict() and weights()."""
    estimate = float(fit.beta[0])
    se = float(fit.se[0])
    if fit.method == "FE":
        pi_lower = pi_upper = math.nan
    else:
        half_width = fit.critical_value * math.sqrt(se**2 + fit.tau2)
        pi_lower, pi_upper = estimate - half_width, estimate + half_width
    return RandomEffectsResult(
        method=fit.method,
        test=fit.test,
        conf_level=fit.conf_level,
        k=fit.k,
        estimate=estimate,
        se=se,
        statistic=float(fit.statistic[0]),
        df=fit.df,
        ci_lower=float(fit.ci_lower[0]),
        ci_upper=float(fit.ci_upper[0]),
        pval=float(fit.pval[0]),
        tau2=fit.tau2,
        se_tau2=fit.se_tau2,
        i2=fit.i2,
        h2=fit.h2,
        q=fit.q,
        q_df=fit.q_df,
        q_pval=fit.q_pval,
        pi_lower=pi_lower,
        pi_upper=pi_upper,
        weights=100 * fit.weights / np.sum(fit.weights),
        yi=y,
        vi=v,
        iterations=fit.iterations,
    )


def validate_effects(
    yi: ArrayLike, vi: ArrayLike, *, min_studies: int = 2
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """yi and vi as float arrays, or a RuleViolation naming the argument and the rule."""
    arrays = []
    for name, value in (("yi", yi), ("vi", vi)):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            raise RuleViolation(
                field=name, rule="numeric", message=f"must be numeric ({error})"
            ) from error
        if array.ndim != 1:
            raise RuleViolation(
                field=name, rule="one_dimensional", message="must be a 1-D array of studies"
            )
        arrays.append(array)
    y, v = arrays
    if len(y) != len(v):
        raise RuleViolation(
            field="vi",
            rule="same_length",
            message=f"has {len(v)} values but yi has {len(y)}",
        )
    if len(y) < min_studies:
        raise RuleViolation(
            field="yi",
            rule="min_studies",
            message=f"{len(y)} studies given; pooling needs at least {min_studies}",
        )
    bad_y = np.flatnonzero(~np.isfinite(y))
    if len(bad_y):
        raise RuleViolation(
            field="yi",
            rule="finite",
            message=f"effect sizes must be finite numbers; rows {_rows(bad_y)} are not",
        )
    bad_v = np.flatnonzero(~(np.isfinite(v) & (v > 0)))
    if len(bad_v):
        raise RuleViolation(
            field="vi",
            rule="positive_finite",
            message=(
                f"sampling variances must be finite and > 0; rows {_rows(bad_v)} are "
                f"{', '.join(repr(float(v[row])) for row in bad_v[:5])}"
            ),
        )
    return y, v


def validate_options(method: str, test: str, conf_level: float) -> tuple[str, str]:
    if method not in METHOD_ALIASES:
        raise RuleViolation(
            field="method",
            rule="known_method",
            message=f"{method!r} is not one of FE (or EE), DL, REML",
        )
    if test not in TESTS:
        raise RuleViolation(
            field="test", rule="known_test", message=f"{test!r} is not one of z, knha"
        )
    if not 0 < conf_level < 1:
        raise RuleViolation(
            field="conf_level", rule="probability", message=f"{conf_level} is not in (0, 1)"
        )
    return METHOD_ALIASES[method], test


def _rows(rows: NDArray[np.intp]) -> str:
    shown = ", ".join(str(int(row)) for row in rows[:5])
    return shown + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
