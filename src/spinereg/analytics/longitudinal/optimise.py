"""Minimising the profiled deviance over θ: L-BFGS-B on the exact gradient, then Newton steps.

lme4 minimises the same criterion with derivative-free BOBYQA and stops at xtol_abs = ftol_abs =
1e-8 (`lmerControl()`), which leaves θ off the optimum by about 1e-5 relative on ordinary data
(compare the `default` and `polished` fits in tests/known_answers/lmm_fits.json); even a tight
BOBYQA, seeing only deviance values that are flat to 1e-12 near the optimum, stays ~1e-6 off in
small components. So the exact gradient (see `deviance.py`) drives a quasi-Newton search to the
precision limit and a few Newton steps on a central-difference Hessian of that gradient polish
the result, to a gradient of ~1e-12. A diagonal element of T held at its bound 0 (a singular
fit, variance zero) is left out of the Newton steps, after checking that the bound is a minimum
and not a saddle (see `minimise_deviance`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import linalg, optimize

from spinereg.analytics.longitudinal.deviance import (
    Array,
    ProfiledFit,
    SufficientStatistics,
    profiled_deviance,
    theta_lower_bounds,
)

# A fit counts as converged when the Newton step still proposed at the end, H⁻¹g on the free
# components, is below this (θ is dimensionless, of order 1): far inside lme4's own check
# (scaled gradient < 0.002, `lmerControl(check.conv.grad = .makeCC("warning", tol = 2e-3))`).
NEWTON_STEP_TOLERANCE = 1e-7
NEWTON_ITERATIONS = 20


@dataclass(frozen=True, slots=True)
class ThetaOptimum:
    theta: Array
    fit: ProfiledFit
    converged: bool
    newton_step: float  # size of the last proposed Newton step (max-abs), the convergence gauge
    message: str


def _free_components(
    theta: Array, gradient: Array, lower: list[float | None]
) -> npt.NDArray[np.intp]:
    at_bound = np.array(
        [bound is not None and value <= bound and slope >= 0
         for value, slope, bound in zip(theta, gradient, lower, strict=True)]
    )  # fmt: skip
    return np.flatnonzero(~at_bound)


def _hessian(
    theta: Array, free: npt.NDArray[np.intp], stats: SufficientStatistics, *, reml: bool
) -> Array:
    """Central differences of the exact gradient; the deviance is smooth in θ across 0."""
    size = len(free)
    hessian = np.empty((size, size))
    for column, index in enumerate(free):
        step = 1e-5 * max(abs(float(theta[index])), 0.1)
        up, down = theta.copy(), theta.copy()
        up[index] += step
        down[index] -= step
        difference = (
            profiled_deviance(up, stats, reml=reml).gradient[free]
            - profiled_deviance(down, stats, reml=reml).gradient[free]
        )
        hessian[:, column] = difference / (2 * step)
    return (hessian + hessian.T) / 2


def _quasi_newton(
    objective: Callable[[Array], tuple[float, Array]], start: Array, lower: list[float | None]
) -> tuple[Array, str]:
    search = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(bound, None) for bound in lower],
        options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-12},
    )
    return np.asarray(search.x, dtype=np.float64), str(search.message)


def _escape_bound(
    theta: Array, objective: Callable[[Array], tuple[float, Array]], lower: list[float | None]
) -> Array | None:
    """A point just off a bound with a lower deviance than θ, or None if θ is a true minimum."""
    current = objective(theta)[0]
    best: tuple[float, Array] | None = None
    for index, bound in enumerate(lower):
        if bound is None or theta[index] > bound:
            continue
        for offset in (1.0, 0.1, 0.01, 0.001, 0.0001):
            trial = theta.copy()
            trial[index] = bound + offset
            value = objective(trial)[0]
            if value < current and (best is None or value < best[0]):
                best = (value, trial)
    return None if best is None else best[1]


def minimise_deviance(stats: SufficientStatistics, *, reml: bool) -> ThetaOptimum:
    """θ̂ from lme4's starting point (T = I), bounded below by 0 on the diagonal of T."""
    q = stats.q
    lower = theta_lower_bounds(q)
    start = np.eye(q)[np.triu_indices(q)[::-1]]

    def objective(theta: Array) -> tuple[float, Array]:
        fit = profiled_deviance(theta, stats, reml=reml)
        return fit.deviance, fit.gradient

    theta, message = _quasi_newton(objective, start, lower)
    # A diagonal element of T at 0 can be a saddle rather than a minimum: the deviance is even
    # in the last diagonal element (flipping its sign leaves D = TTᵀ unchanged), so its gradient
    # there is exactly 0 and L-BFGS-B, once projected onto the bound, never leaves. Probe off
    # each such bound and restart from any point that is lower.
    for _ in range(len(lower)):
        escape = _escape_bound(theta, objective, lower)
        if escape is None:
            break
        theta, message = _quasi_newton(objective, escape, lower)
    fit = profiled_deviance(theta, stats, reml=reml)
    newton_step = np.inf
    for _ in range(NEWTON_ITERATIONS):
        free = _free_components(theta, fit.gradient, lower)
        if free.size == 0:
            newton_step = 0.0
            break
        hessian = _hessian(theta, free, stats, reml=reml)
        try:
            cholesky = linalg.cho_factor(hessian)
        except linalg.LinAlgError:
            message = "Hessian not positive definite at the optimum"
            break
        step = -linalg.cho_solve(cholesky, fit.gradient[free])
        newton_step = float(np.max(np.abs(step)))
        trial = theta.copy()
        trial[free] += step
        for index in free:  # stay inside the bounds
            bound = lower[index]
            if bound is not None and trial[index] < bound:
                trial[index] = bound
        trial_fit = profiled_deviance(trial, stats, reml=reml)
        if trial_fit.deviance > fit.deviance + 1e-12 * abs(fit.deviance):
            break  # at the precision limit: the step no longer lowers the deviance
        theta, fit = trial, trial_fit
        if newton_step < 1e-12:
            break
    converged = bool(np.isfinite(fit.deviance)) and newton_step < NEWTON_STEP_TOLERANCE
    message = f"L-BFGS-B: {message}; last Newton step {newton_step:.1e}"
    return ThetaOptimum(
        theta=theta, fit=fit, converged=converged, newton_step=newton_step, message=message
    )
