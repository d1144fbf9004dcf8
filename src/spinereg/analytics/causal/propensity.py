"""The propensity score: a logistic regression of a binary treatment on covariates.

The estimates are those of R's `glm(treatment ~ covariates, family = binomial)` (checked in
tests/known_answers/causal_iptw.R), found by Newton-Raphson, which for the canonical logit link is
glm's IRLS, run to convergence well beyond glm's default `epsilon = 1e-8`. Before fitting, a
linear programme looks for complete or quasi-complete separation (Albert and Anderson 1984,
Biometrika 71:1; the LP test of Konis 2007, DPhil thesis, Oxford, as in R's detectseparation):
with separation the maximum-likelihood estimate does not exist, glm only warns "fitted
probabilities numerically 0 or 1 occurred", and weights of 1/P would be meaningless, so it is
an error here.

Input checks shared with matching live here too: the treatment is 0/1 or boolean with both
groups present, covariates and outcome are numeric, complete and not constant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import linalg, optimize, special

from spinereg.analytics.exceptions import (
    CollinearityError,
    ConstantCovariateError,
    ConvergenceError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.core.errors import RuleViolation

Array = npt.NDArray[np.float64]

INTERCEPT = "(Intercept)"
MAX_ITERATIONS = 100
# Newton stops when the change in deviance relative to it is below this (glm's own criterion,
# |dev - dev_old| / (|dev| + 0.1) < epsilon, at epsilon = 1e-15 instead of 1e-8) and the step
# is below STEP_TOLERANCE relative to the coefficients.
DEVIANCE_TOLERANCE = 1e-15
STEP_TOLERANCE = 1e-10
# The separation LP maximises Σ sᵢ xᵢᵀβ over |β| ≤ 1 on standardised covariates, subject to
# sᵢ xᵢᵀβ ≥ 0 (sᵢ = ±1 for treated/control). Without separation the optimum is 0; any direction
# that separates gives at least one strictly positive term of order 1/n or more.
SEPARATION_TOLERANCE = 1e-7


@dataclass(frozen=True, slots=True)
class AnalysisData:
    """The validated columns of one analysis, in the frame's row order."""

    index: pd.Index
    treated: npt.NDArray[np.bool_]
    covariates: pd.DataFrame  # float columns
    outcome: Array


@dataclass(frozen=True, slots=True)
class PropensityModel:
    """glm(treatment ~ covariates, family = binomial): `coefficients` has `coef` and `se`
    (`summary(fit)$coefficients`), `score` the fitted P(T = 1 | X) and `logit` the linear
    predictor, both indexed like the input frame."""

    coefficients: pd.DataFrame
    score: pd.Series
    logit: pd.Series
    deviance: float
    iterations: int


def _numeric_column(frame: pd.DataFrame, name: str, role: str) -> Array:
    series = frame[name]
    if not (is_bool_dtype(series.dtype) or is_numeric_dtype(series.dtype)):
        raise RuleViolation(
            field=name, rule="numeric", message=f"{role} {name!r} must be numeric or boolean"
        )
    if series.isna().any():
        raise RuleViolation(
            field=name,
            rule="complete",
            message=(
                f"{role} {name!r} is missing in {int(series.isna().sum())} rows; impute or "
                "drop them before the analysis, which should not choose for you"
            ),
        )
    return series.to_numpy(dtype=np.float64)


def analysis_data(
    frame: pd.DataFrame, treatment: str, covariates: list[str], outcome: str
) -> AnalysisData:
    """Check and extract the columns: errors name the column and the rule broken."""
    available = [str(column) for column in frame.columns]
    for name in [treatment, *covariates, outcome]:
        if name not in frame.columns:
            raise MissingColumnError(name, available=available)
    if not covariates:
        raise RuleViolation(field="covariates", rule="non_empty", message="name at least one")
    treatment_values = _numeric_column(frame, treatment, "treatment")
    if not np.isin(treatment_values, [0.0, 1.0]).all():
        others = sorted(set(treatment_values.tolist()) - {0.0, 1.0})[:3]
        raise RuleViolation(
            field=treatment,
            rule="binary",
            message=f"treatment must be 0/1 or boolean; found {others}",
        )
    treated = treatment_values == 1.0
    for label, count in (("treated", treated.sum()), ("control", (~treated).sum())):
        if count < 2:  # one row has no SD for the balance table, none has no comparison
            raise EmptyGroupError(
                f"{int(count)} {label} rows in {treatment!r}; need at least 2", group=label
            )
    values = {name: _numeric_column(frame, name, "covariate") for name in covariates}
    for name, column in values.items():
        if np.ptp(column) == 0:
            raise ConstantCovariateError(name, value=float(column[0]))
    covariate_frame = pd.DataFrame(values, index=frame.index)
    design = np.column_stack([np.ones(len(frame)), covariate_frame.to_numpy()])
    rank = int(np.linalg.matrix_rank(design))
    if rank < design.shape[1]:
        raise CollinearityError(
            covariates, detail=f"with the intercept they span {rank} of {design.shape[1]}"
        )
    return AnalysisData(
        index=frame.index,
        treated=treated,
        covariates=covariate_frame,
        outcome=_numeric_column(frame, outcome, "outcome"),
    )


def is_separated(design: Array, treated: npt.NDArray[np.bool_]) -> bool:
    """Whether some direction β ≠ 0 has sᵢxᵢᵀβ ≥ 0 for all rows, > 0 for some (Konis's LP)."""
    standardised = design.copy()
    for column in range(design.shape[1]):  # scale-free: the LP bound |β| ≤ 1 then means alike
        spread = design[:, column].std()
        if spread > 0:
            standardised[:, column] = (design[:, column] - design[:, column].mean()) / spread
    signs = np.where(treated, 1.0, -1.0)
    signed = standardised * signs[:, np.newaxis]
    result = optimize.linprog(
        c=-signed.sum(axis=0),
        A_ub=-signed,
        b_ub=np.zeros(len(signed)),
        bounds=[(-1.0, 1.0)] * design.shape[1],
        method="highs",
    )
    return bool(result.status == 0 and -result.fun > SEPARATION_TOLERANCE * len(signed))


def _minimal_separating_set(design: Array, treated: npt.NDArray[np.bool_]) -> list[int]:
    """Covariate columns (never the intercept, 0) that still separate once each of the others
    has been tried for removal: a short list to name in the error, not a unique one."""
    kept = list(range(1, design.shape[1]))
    for column in list(kept):
        trial = [other for other in kept if other != column]
        if trial and is_separated(design[:, [0, *trial]], treated):
            kept = trial
    return kept


def fit_propensity(data: AnalysisData, treatment: str) -> PropensityModel:
    """Maximum likelihood by Newton-Raphson from β = 0; ConvergenceError on separation or if
    the iteration does not settle."""
    names = [INTERCEPT, *data.covariates.columns]
    design = np.column_stack([np.ones(len(data.index)), data.covariates.to_numpy()])
    if is_separated(design, data.treated):
        involved = [names[index] for index in _minimal_separating_set(design, data.treated)]
        raise ConvergenceError(
            f"{treatment!r} is (quasi-)completely separated by {involved}: some combination of "
            "these covariates predicts treatment exactly, so the propensity model has no "
            "maximum-likelihood estimate and IPTW weights would be unbounded",
            iterations=0,
        )
    y = data.treated.astype(np.float64)
    beta = np.zeros(design.shape[1])
    deviance = np.inf
    iterations = 0
    for iteration in range(1, MAX_ITERATIONS + 1):
        iterations = iteration
        linear = design @ beta
        probability = special.expit(linear)
        weight = probability * (1 - probability)
        information = design.T @ (design * weight[:, np.newaxis])
        step = linalg.solve(information, design.T @ (y - probability), assume_a="pos")
        new_deviance = _deviance(design @ (beta + step), y)
        for _ in range(30):  # step halving, as glm.fit does when the deviance diverges
            if new_deviance <= deviance:
                break
            step = step / 2
            new_deviance = _deviance(design @ (beta + step), y)
        beta = beta + step
        deviance_change = abs(new_deviance - deviance) / (abs(new_deviance) + 0.1)
        deviance = new_deviance
        step_size = np.max(np.abs(step) / (np.abs(beta) + 1e-3))
        if deviance_change < DEVIANCE_TOLERANCE or step_size < STEP_TOLERANCE:
            break
    else:
        raise ConvergenceError(
            f"the propensity model for {treatment!r} did not converge in {MAX_ITERATIONS} "
            "Newton steps",
            iterations=MAX_ITERATIONS,
        )
    linear = design @ beta
    probability = special.expit(linear)
    information = design.T @ (design * (probability * (1 - probability))[:, np.newaxis])
    se = np.sqrt(np.diag(linalg.inv(information)))
    coefficients = pd.DataFrame({"coef": beta, "se": se}, index=pd.Index(names, name="term"))
    return PropensityModel(
        coefficients=coefficients,
        score=pd.Series(probability, index=data.index, name="propensity_score"),
        logit=pd.Series(linear, index=data.index, name="propensity_logit"),
        deviance=deviance,
        iterations=iterations,
    )


def _deviance(linear: Array, y: Array) -> float:
    """−2 log L of a binary logistic model, computed stably from the linear predictor."""
    return float(2 * np.sum(np.logaddexp(0.0, linear) - y * linear))
