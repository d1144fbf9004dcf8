"""`mixed_model`: a linear mixed model for repeated outcomes (ODI, NRS) over follow-up time.

One grouping factor (the patient), a random intercept or a correlated random intercept and slope
on time with an unstructured 2 × 2 covariance, fitted by REML or ML exactly as lme4's `lmer`
defines them (Bates et al. 2015, J Stat Softw 67(1)); checked against `lmer` in
tests/known_answers/lmm_fits.R. The numerics are in `deviance.py` and `optimise.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from spinereg.analytics.exceptions import (
    AnalyticsError,
    CollinearityError,
    ConstantCovariateError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.analytics.longitudinal.deviance import (
    Array,
    sufficient_statistics,
    theta_to_factor,
)
from spinereg.analytics.longitudinal.formula import INTERCEPT, design_matrix, parse_formula
from spinereg.analytics.longitudinal.optimise import minimise_deviance
from spinereg.core.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class MixedModelResult:
    """A fitted model; names follow lme4 where lme4 has one.

    fixed: indexed by term (R's names: `(Intercept)`, `treatmentepidural`,
        `months:treatmentepidural`) with `coef` (`fixef()`), `se` (`sqrt(diag(vcov()))`),
        `t` (coef / se).
    variance_components: `intercept_var`, `slope_var`, `correlation`, `residual_var` (the
        `vcov`/`sdcor` columns of `as.data.frame(VarCorr())`); random intercept only: the first
        and last. A correlation is NaN when a variance is estimated as exactly zero.
    loglik: `logLik()`: the REML log-likelihood when `reml`, the ML one otherwise.
    random_effects: the conditional modes (BLUPs), `ranef()`, indexed by group, columns
        `(Intercept)` and the time column.
    theta: lme4's `getME(fit, "theta")`, the relative covariance factor, column-wise.
    """

    fixed: pd.DataFrame
    fixed_covariance: pd.DataFrame
    variance_components: pd.Series
    loglik: float
    reml: bool
    converged: bool
    n_obs: int
    n_groups: int
    random_effects: pd.DataFrame
    theta: tuple[float, ...]
    formula: str
    groups: str
    random: str
    optimiser_message: str

    @property
    def deviance_criterion(self) -> float:
        """−2 × loglik: lme4's `REMLcrit()` for REML fits, `deviance()` for ML fits."""
        return -2 * self.loglik


def _parse_random(random: str) -> str | None:
    """The random-slope column: none for "1"; "months" for "1 + months" or "months" (R's
    implicit intercept)."""
    terms = [term.strip() for term in random.split("+")]
    slopes = [term for term in terms if term != "1"]
    if len(slopes) == 0 and terms == ["1"]:
        return None
    if len(slopes) == 1 and slopes[0].isidentifier() and len(terms) <= 2:
        return slopes[0]
    raise RuleViolation(
        field="random",
        rule="random_structure",
        message=f"{random!r}: only '1' or '1 + <time column>' is supported",
    )


def _require_columns(frame: pd.DataFrame, names: list[str]) -> None:
    for name in names:
        if name not in frame.columns:
            raise MissingColumnError(name, available=[str(column) for column in frame.columns])


def _require_numeric(frame: pd.DataFrame, name: str, role: str) -> None:
    dtype = frame[name].dtype
    if is_bool_dtype(dtype) or not is_numeric_dtype(dtype):
        raise RuleViolation(
            field=name, rule="numeric", message=f"{role} {name!r} must be numeric, not {dtype}"
        )


def _check_full_rank(x: Array, names: list[str]) -> None:
    for index, name in enumerate(names):
        if name != INTERCEPT and INTERCEPT in names and np.ptp(x[:, index]) == 0:
            raise ConstantCovariateError(name, value=float(x[0, index]))
    rank = int(np.linalg.matrix_rank(x))
    if rank < x.shape[1]:
        raise CollinearityError(
            names, detail=f"the {x.shape[1]} fixed-effect columns span only {rank} dimensions"
        )


def mixed_model(
    frame: pd.DataFrame,
    formula: str,
    groups: str,
    random: str = "1 + months",
    reml: bool = True,
) -> MixedModelResult:
    """Fit `formula` with a random intercept (random="1") or a random intercept and slope on a
    time column (random="1 + months") per level of `groups`; lme4's
    `lmer(<formula> + (<random> | <groups>), REML = reml)`.

    Rows with a missing value in any column the model uses are dropped (R's default
    `na.action = na.omit`); `n_obs` counts what is left. Categorical columns enter in treatment
    coding with the first level as reference (see `formula.py`).

    Raises MissingColumnError for an absent column; RuleViolation for a malformed formula or
    random term or a non-numeric response or time column; ConstantCovariateError for a
    covariate (or the time column) with one value; CollinearityError for any other
    rank-deficient fixed-effects design (lmer instead drops aliased columns with a message);
    EmptyGroupError for lmer's own refusals: no complete row, no fewer groups than rows, no
    fewer rows than random effects; AnalyticsError for a response that the fixed effects fit
    exactly. A fit that does not meet the convergence check returns with `converged` False, as
    lmer returns with a warning.
    """
    parsed = parse_formula(formula)
    slope_column = _parse_random(random)
    used = [parsed.response, *parsed.variables, groups]
    if slope_column is not None and slope_column not in used:
        used.append(slope_column)
    _require_columns(frame, used)
    _require_numeric(frame, parsed.response, "response")
    if slope_column is not None:
        _require_numeric(frame, slope_column, "random-slope column")
    complete = frame.loc[frame[used].notna().all(axis=1), used]
    if complete.empty:
        raise EmptyGroupError(f"no row has all of {used} present")

    x, names = design_matrix(complete, parsed)
    _check_full_rank(x, names)
    codes, levels = pd.factorize(complete[groups], sort=True)
    n_obs, n_groups = len(complete), len(levels)
    z_columns = [np.ones(n_obs)]
    if slope_column is not None:
        slope_values = complete[slope_column].to_numpy(dtype=np.float64)
        if np.ptp(slope_values) == 0:
            raise ConstantCovariateError(slope_column, value=float(slope_values[0]))
        z_columns.append(slope_values)
    z = np.column_stack(z_columns)
    if n_groups >= n_obs or n_obs <= z.shape[1] * n_groups:
        raise EmptyGroupError(
            f"{n_obs} observations cannot identify {z.shape[1]} random effect(s) in each of "
            f"{n_groups} groups of {groups!r} (lmer's check.nobs.vs.nlev / check.nobs.vs.nRE)"
        )
    y = complete[parsed.response].to_numpy(dtype=np.float64)

    # Work with the OLS residuals instead of y: the profiled criterion only sees y − Xβ with β
    # free, so nothing changes but the rounding: yᵀV⁻¹y − β̂ᵀXᵀV⁻¹y no longer subtracts two
    # numbers of order Σy² to get one of order nσ², which loses digits when the mean is large.
    ols_beta = np.linalg.lstsq(x, y, rcond=None)[0]
    if np.allclose(x @ ols_beta, y, rtol=0, atol=1e-12 * max(float(np.abs(y).max()), 1.0)):
        raise AnalyticsError(
            f"{parsed.response!r} is an exact linear function of the fixed effects: "
            "no residual variance is left to split between patients and visits"
        )
    stats = sufficient_statistics(codes.astype(np.intp), n_groups, x, z, y - x @ ols_beta)
    optimum = minimise_deviance(stats, reml=reml)
    fit = optimum.fit
    beta = fit.beta + ols_beta
    covariance = fit.sigma2 * np.linalg.inv(fit.xtvinvx)
    se = np.sqrt(np.diag(covariance))
    fixed = pd.DataFrame({"coef": beta, "se": se, "t": beta / se}, index=names)
    fixed.index.name = "term"

    factor = theta_to_factor(optimum.theta, z.shape[1])
    relative = factor @ factor.T
    components: Mapping[str, float] = {"intercept_var": fit.sigma2 * relative[0, 0]}
    if slope_column is not None:
        denominator = np.sqrt(relative[0, 0] * relative[1, 1])
        correlation = relative[0, 1] / denominator if denominator > 0 else np.nan
        components = {
            **components,
            "slope_var": fit.sigma2 * relative[1, 1],
            "correlation": float(correlation),
        }
    components = {**components, "residual_var": fit.sigma2}

    effect_names = [INTERCEPT] if slope_column is None else [INTERCEPT, slope_column]
    random_effects = pd.DataFrame(
        fit.random_effects, index=pd.Index(levels, name=groups), columns=effect_names
    )
    return MixedModelResult(
        fixed=fixed,
        fixed_covariance=pd.DataFrame(covariance, index=names, columns=names),
        variance_components=pd.Series(components, dtype=np.float64),
        loglik=fit.log_likelihood,
        reml=reml,
        converged=optimum.converged,
        n_obs=n_obs,
        n_groups=n_groups,
        random_effects=random_effects,
        theta=tuple(float(value) for value in optimum.theta),
        formula=formula,
        groups=groups,
        random=random,
        optimiser_message=optimum.message,
    )
