"""The meta-regression engine behind every pooled number: metafor's `rma.uni` for a small
design matrix, step for step.

`fit_rma(yi, vi, design, ...)` reproduces `rma(yi, vi, mods = design, intercept = FALSE, method,
test)` of metafor 3.8 for the three estimators spinereg uses (FE, DL, REML) and both tests
(z, knha).
The public functions (`random_effects`, `subgroup_analysis`, `egger_test`, ...) are thin
wrappers; this module assumes validated input (1-D float arrays, positive finite variances).

Agreement with R is by construction, not by luck:

- REML is metafor's Fisher scoring: start at the Hedges (HE) estimate, step by
  (y'PPy - tr P) / tr(PP), halve a step that would make tau² negative, stop when tau² changes by
  less than `tau2_tolerance` (metafor's `threshold`, 1e-5), fail after `max_iterations` (100),
  then compare the REML log-likelihood with tau² = 0 as metafor's `ll0check` does. The defaults
  stop at the same iterate as `rma()`, so the two agree to rounding error; a fixed point computed
  more tightly would differ from R's printed tau² by up to ~1e-4 relative in meta-regressions
  (dat.bcg with ablat), which is why the tolerance is metafor's and not ours.
- P = W - W X (X'WX)^-1 X'W is never formed: y'PPy = Σ (w·r)², tr P and tr PP come from p x p
  matrices, so a fit costs O(k p²) instead of metafor's O(k³) (10,000 studies take milliseconds).
- I² and H² follow metafor: for FE from Q (I² = max(0, 100 (Q - df)/Q), H² = Q/df); otherwise
  from tau² and the "typical" within-study variance s² = (k - p)/tr P, I² = 100 tau²/(tau² + s²),
  H² = (tau² + s²)/s² (Higgins & Thompson 2002; metafor's i2def "1").
- Knapp-Hartung (test = "knha") multiplies the covariance of the estimates by
  Σ w (y - Xb)² / (k - p) without truncation at 1, and uses t and F distributions with k - p
  denominator degrees of freedom. With one study metafor falls back to the z test; so do we.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from spinereg.analytics.meta.errors import ConvergenceError, MetaAnalysisWarning
from spinereg.core.errors import RuleViolation

METHODS = ("FE", "DL", "REML")
METHOD_ALIASES = {"FE": "FE", "EE": "FE", "CE": "FE", "DL": "DL", "REML": "REML"}
TESTS = ("z", "knha")

# metafor's rma.uni control defaults.
DEFAULT_TAU2_TOLERANCE = 1e-5  # control$threshold
DEFAULT_MAX_ITERATIONS = 100  # control$maxiter
LL0_TOLERANCE = float(np.finfo(float).eps) ** 0.25  # control$tol, used by ll0check
MACHINE_EPSILON = float(np.finfo(float).eps)

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ModelFit:
    """One fitted (meta-regression) model, named after metafor's rma.uni fields."""

    method: str
    test: str  # the test used: "z" also when "knha" was asked for a single study
    conf_level: float
    k: int
    p: int
    beta: Vector
    vb: Matrix
    se: Vector
    statistic: Vector  # z or t values
    pval: Vector
    ci_lower: Vector
    ci_upper: Vector
    df: int | None  # t / F denominator degrees of freedom (knha), None for z
    critical_value: float
    tau2: float
    se_tau2: float
    q: float
    q_df: int
    q_pval: float
    i2: float
    h2: float
    typical_variance: float
    qm: float
    qm_df: int
    qm_pval: float
    weights: Vector  # 1 / (vi + tau2)
    iterations: int


def alpha_from(conf_level: float) -> float:
    """1 - conf_level computed as R's `.level(95)` does, so 0.95 gives exactly 0.05."""
    return (100 - 100 * conf_level) / 100


def fit_rma(
    yi: Vector,
    vi: Vector,
    design: Matrix,
    *,
    method: str,
    test: str,
    conf_level: float,
    tau2_tolerance: float = DEFAULT_TAU2_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    step_adjustment: float = 1.0,
    tested_coefficients: tuple[int, ...] | None = None,
) -> ModelFit:
    """Fit rma(yi, vi, mods = design, intercept = FALSE, method, test) as metafor does.

    `design` must hold an intercept column first when the model has one; `tested_coefficients`
    (metafor's `btt`) defaults to every coefficient but the intercept, or the intercept alone.
    """
    k, p = design.shape
    if np.linalg.matrix_rank(design) < p:
        raise RuleViolation(
            field="mods", rule="full_rank", message="the model matrix is not of full rank"
        )
    method = METHOD_ALIASES[method]
    if k == 1:
        test = "z"  # rma.uni: 'Setting argument test="z" since k=1.'
    centred = yi - yi.mean()  # metafor estimates tau² from mean-centred outcomes (Ymc)

    iterations = 0
    se_tau2 = math.nan
    if k == 1 or method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2, se_tau2 = _dersimonian_laird(centred, vi, design)
    else:
        tau2, se_tau2, iterations = _reml(
            centred, vi, design, tau2_tolerance, max_iterations, step_adjustment
        )

    weights = 1 / (vi + tau2)
    inverse, beta, residuals = _weighted_least_squares(design, weights, yi)
    vb = inverse
    if test == "knha":
        if method == "FE":
            warnings.warn(
                "Knapp & Hartung method is not meant to be used in the context of FE models.",
                MetaAnalysisWarning,
                stacklevel=3,
            )
        rss = float(np.sum(weights * residuals**2))
        scale = 0.0 if rss <= MACHINE_EPSILON else rss / (k - p)
        vb = scale * vb
        df: int | None = k - p
    else:
        df = None

    alpha = alpha_from(conf_level)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = beta / se
    if df is None:
        pval = 2 * stats.norm.sf(np.abs(statistic))
        critical_value = float(stats.norm.isf(alpha / 2))
    elif df > 0:
        pval = 2 * stats.t.sf(np.abs(statistic), df)
        critical_value = float(stats.t.isf(alpha / 2, df))
    else:
        pval = np.full(p, np.nan)
        critical_value = math.nan

    if tested_coefficients is None:
        tested_coefficients = tuple(range(1, p)) if p > 1 else (0,)
    qm, qm_pval = _wald_test(beta, vb, tested_coefficients, df, k - p)

    q, q_pval, i2, h2, typical_variance = _heterogeneity(centred, vi, design, method, tau2)
    return ModelFit(
        method=method,
        test=test,
        conf_level=conf_level,
        k=k,
        p=p,
        beta=beta,
        vb=vb,
        se=se,
        statistic=statistic,
        pval=np.asarray(pval, dtype=float),
        ci_lower=beta - critical_value * se,
        ci_upper=beta + critical_value * se,
        df=df,
        critical_value=critical_value,
        tau2=tau2,
        se_tau2=se_tau2,
        q=q,
        q_df=k - p,
        q_pval=q_pval,
        i2=i2,
        h2=h2,
        typical_variance=typical_variance,
        qm=qm,
        qm_df=len(tested_coefficients),
        qm_pval=qm_pval,
        weights=weights,
        iterations=iterations,
    )


def _weighted_least_squares(design: Matrix, w: Vector, y: Vector) -> tuple[Matrix, Vector, Vector]:
    """(X'WX)^-1, the weighted estimate and the residuals: metafor's .invcalc + beta."""
    xtw = design.T * w
    inverse = np.asarray(np.linalg.inv(xtw @ design), dtype=np.float64)
    beta = inverse @ (xtw @ y)
    return inverse, beta, y - design @ beta


def _traces(design: Matrix, w: Vector, inverse: Matrix) -> tuple[float, float]:
    """tr P and tr PP for P = W - W X (X'WX)^-1 X'W without forming the k x k matrix.

    With S = (X'WX)^-1, M2 = X'W²X, M3 = X'W³X: tr P = Σw - tr(S M2) and
    tr PP = Σw² - 2 tr(S M3) + tr(S M2 S M2).
    """
    w2 = w * w
    m2 = (design.T * w2) @ design
    m3 = (design.T * (w2 * w)) @ design
    s_m2 = inverse @ m2
    trace_p = float(np.sum(w) - np.trace(s_m2))
    trace_pp = float(np.sum(w2) - 2 * np.trace(inverse @ m3) + np.trace(s_m2 @ s_m2))
    return trace_p, trace_pp


def _dersimonian_laird(centred: Vector, vi: Vector, design: Matrix) -> tuple[float, float]:
    """DerSimonian & Laird (1986) moment estimator and metafor's standard error for it."""
    k, p = design.shape
    w = 1 / vi
    inverse, _, residuals = _weighted_least_squares(design, w, centred)
    rss = float(np.sum(w * residuals**2))
    trace_p, trace_pp = _traces(design, w, inverse)
    tau2 = max(0.0, (rss - (k - p)) / trace_p)
    se_tau2 = math.sqrt((2 * (k - p) + 4 * tau2 * trace_p + 2 * tau2**2 * trace_pp) / trace_p**2)
    return tau2, se_tau2


def _hedges_start(centred: Vector, vi: Vector, design: Matrix) -> float:
    """Hedges' (HE) estimator, metafor's starting value for Fisher scoring."""
    k, p = design.shape
    inverse, _, residuals = _weighted_least_squares(design, np.ones(k), centred)
    trace_pv = float(np.sum(vi) - np.trace(inverse @ ((design.T * vi) @ design)))
    return float((np.sum(residuals**2) - trace_pv) / (k - p))


def _reml(
    centred: Vector,
    vi: Vector,
    design: Matrix,
    tolerance: float,
    max_iterations: int,
    step_adjustment: float,
) -> tuple[float, float, int]:
    tau2 = max(0.0, _hedges_start(centred, vi, design))
    change = tolerance + 1
    iteration = 0
    while change > tolerance:
        iteration += 1
        previous = tau2
        w = 1 / (vi + tau2)
        inverse, _, residuals = _weighted_least_squares(design, w, centred)
        trace_p, trace_pp = _traces(design, w, inverse)
        step = (float(np.sum((w * residuals) ** 2)) - trace_p) / trace_pp * step_adjustment
        if math.isnan(step):
            step = 0.0
        while tau2 + step < 0:  # metafor halves a step that would leave [tau2.min, ...)
            step /= 2
        tau2 = tau2 + step
        change = abs(previous - tau2)
        if iteration > max_iterations:
            raise ConvergenceError(
                f"Fisher scoring for REML did not converge in {max_iterations} iterations "
                f"(last change in tau² {change:.3g}); try step_adjustment=0.5 or more iterations"
            )
    if (
        tau2 > tolerance
        and _reml_log_likelihood(centred, vi, design, 0.0)
        - _reml_log_likelihood(centred, vi, design, tau2)
        > LL0_TOLERANCE
    ):
        warnings.warn(
            "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0.",
            MetaAnalysisWarning,
            stacklevel=4,
        )
        tau2 = 0.0
    tau2 = max(0.0, tau2)
    w = 1 / (vi + tau2)
    inverse, _, _ = _weighted_least_squares(design, w, centred)
    _, trace_pp = _traces(design, w, inverse)
    return tau2, math.sqrt(2 / trace_pp), iteration


def _reml_log_likelihood(centred: Vector, vi: Vector, design: Matrix, tau2: float) -> float:
    k, p = design.shape
    w = 1 / (vi + tau2)
    _, _, residuals = _weighted_least_squares(design, w, centred)
    _, log_det = np.linalg.slogdet((design.T * w) @ design)
    return float(
        -0.5 * (k - p) * math.log(2 * math.pi)
        - 0.5 * np.sum(np.log(vi + tau2))
        - 0.5 * log_det
        - 0.5 * np.sum(w * residuals**2)
    )


def _wald_test(
    beta: Vector, vb: Matrix, tested: tuple[int, ...], df: int | None, residual_df: int
) -> tuple[float, float]:
    """metafor's QM: a Wald chi-square, or an F statistic (QM/m) under Knapp-Hartung."""
    index = np.asarray(tested)
    b = beta[index]
    try:
        qm = float(b @ np.linalg.solve(vb[np.ix_(index, index)], b))
    except np.linalg.LinAlgError:
        return math.nan, math.nan
    m = len(index)
    if df is None:
        return qm, float(stats.chi2.sf(qm, m))
    qm /= m
    if residual_df <= 0:
        return qm, math.nan
    return qm, float(stats.f.sf(qm, m, residual_df))


def _heterogeneity(
    centred: Vector, vi: Vector, design: Matrix, method: str, tau2: float
) -> tuple[float, float, float, float, float]:
    """Cochran's Q with its p value, I², H² and the typical within-study variance."""
    k, p = design.shape
    if k <= p:
        return 0.0, 1.0, 0.0, 1.0, 0.0
    w = 1 / vi
    inverse, _, residuals = _weighted_least_squares(design, w, centred)
    q = max(0.0, float(np.sum(w * residuals**2)))
    q_pval = float(stats.chi2.sf(q, k - p))
    trace_p, _ = _traces(design, w, inverse)
    typical_variance = (k - p) / trace_p
    if method == "FE":
        i2 = 0.0 if q == 0 else max(0.0, 100 * (q - (k - p)) / q)
        h2 = q / (k - p)
    else:
        i2 = 100 * tau2 / (typical_variance + tau2)
        h2 = tau2 / typical_variance + 1
    return q, q_pval, i2, h2, typical_variance
