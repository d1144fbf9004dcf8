"""`dose_response`: an outcome (e.g. the 12-month improvement in ODI) against a product measure
(TNC, CFU-F, CD34+ per mL, concentration factor) on a log scale, as a restricted cubic spline
adjusted for covariates (the baseline score), fitted by ordinary least squares, with the fitted
curve and its pointwise 95% confidence band.

Restricted cubic spline (Stone and Koo 1985; Harrell, *Regression Modeling Strategies*, 2nd ed.
2015, §2.4.5): cubic between knots, linear beyond the outer two, in Harrell's truncated-power
form, for knots t₁ < … < t_k and j = 1 … k − 2,
    X_j = (x − t_j)₊³ − (x − t_{k−1})₊³ (t_k − t_j)/(t_k − t_{k−1})
          + (x − t_k)₊³ (t_{k−1} − t_j)/(t_k − t_{k−1}),
divided by (t_k − t₁)² (Hmisc's `rcspline.eval(norm = 2)`, which keeps the columns on the scale
of x). Knots sit at Harrell's default quantiles of x (RMS Table 2.3: k = 3: 10, 50, 90%;
k = 4: 5, 35, 65, 95%; k = 5: 5, 27.5, 50, 72.5, 95%), quantiles of R's default type 7.
The same function space is R's `splines::ns(x, knots = t[2:(k-1)], Boundary.knots = t[c(1,k)])`,
so the fitted curve, band, residual variance and log-likelihood equal those of
`lm(y ~ ns(log(x), knots = …, Boundary.knots = …) + baseline)` and `predict(…, interval =
"confidence")`: checked in tests/known_answers/report_dose_response.R.

The curve is drawn with the covariates at their sample means. Two F tests accompany it: any
association (all spline columns zero) and non-linearity (the k − 2 cubic columns zero), as
`anova()` of the nested lm fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import stats

from spinereg.analytics.exceptions import (
    CollinearityError,
    ConstantCovariateError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.core.errors import RuleViolation

FloatArray = npt.NDArray[np.float64]
HARRELL_KNOT_QUANTILES: dict[int, tuple[float, ...]] = {
    3: (0.10, 0.50, 0.90),
    4: (0.05, 0.35, 0.65, 0.95),
    5: (0.05, 0.275, 0.50, 0.725, 0.95),
    6: (0.05, 0.23, 0.41, 0.59, 0.77, 0.95),
    7: (0.025, 0.1833, 0.3417, 0.50, 0.6583, 0.8167, 0.975),
}
INTERCEPT = "(Intercept)"


def rcs_knots(x: npt.ArrayLike, knots: int = 4) -> FloatArray:
    """Harrell's default knot positions: quantiles (type 7) of `x` at RMS Table 2.3's
    percentiles. Raises EmptyGroupError when they are not distinct (too few distinct x)."""
    if knots not in HARRELL_KNOT_QUANTILES:
        raise RuleViolation(
            field="knots", rule="three_to_seven", message=f"{knots} knots: use 3 to 7"
        )
    values = np.asarray(x, dtype=np.float64)
    positions = np.quantile(values, HARRELL_KNOT_QUANTILES[knots])
    if np.any(np.diff(positions) <= 0):
        raise EmptyGroupError(
            f"{np.unique(values).size} distinct values give tied spline knots "
            f"{np.round(positions, 4).tolist()}; a {knots}-knot spline needs more spread"
        )
    return np.asarray(positions, dtype=np.float64)


def rcs_basis(x: npt.ArrayLike, knots: npt.ArrayLike) -> FloatArray:
    """The k − 1 columns of the restricted cubic spline of `x`: x itself, then the k − 2
    cubic terms (module docstring), normalised by (t_k − t₁)²."""
    values = np.asarray(x, dtype=np.float64)
    t = np.asarray(knots, dtype=np.float64)
    k = t.size
    last, before_last = t[k - 1], t[k - 2]
    scale = (last - t[0]) ** 2
    columns = [values]
    for j in range(k - 2):
        term = (
            np.maximum(values - t[j], 0) ** 3
            - np.maximum(values - before_last, 0) ** 3 * (last - t[j]) / (last - before_last)
            + np.maximum(values - last, 0) ** 3 * (before_last - t[j]) / (last - before_last)
        )
        columns.append(term / scale)
    return np.column_stack(columns)


@dataclass(frozen=True, slots=True)
class FTest:
    """An F test of nested least-squares fits: statistic, numerator and denominator df, p."""

    statistic: float
    df_numerator: int
    df_denominator: int
    p: float


@dataclass(frozen=True, slots=True)
class DoseResponseFit:
    """A fitted spline.

    curve: `exposure` (original scale), `x` (the spline's scale: log when `log`), `fit`,
        `lower`, `upper`: R's `predict(fit, newdata, interval = "confidence")` with the
        covariates at their means.
    coefficients: `coef`, `se` of the intercept, spline columns (`<x>`, `<x>'`, `<x>''` …) and
        covariates. Only the covariates' coefficients are comparable with another spline basis;
        the curve is what to read.
    knots: on the spline's scale. sigma: residual SD; loglik: R's `logLik(lm)`.
    association, nonlinearity: F tests (module docstring).
    """

    curve: pd.DataFrame
    coefficients: pd.DataFrame
    knots: FloatArray
    n: int
    df_residual: int
    sigma: float
    loglik: float
    association: FTest
    nonlinearity: FTest | None
    exposure: str
    outcome: str
    covariates: tuple[str, ...]
    log: bool


def _numeric(frame: pd.DataFrame, name: str) -> FloatArray:
    if name not in frame.columns:
        raise MissingColumnError(name, available=[str(column) for column in frame.columns])
    column = frame[name]
    if not (is_numeric_dtype(column.dtype) or is_bool_dtype(column.dtype)):
        raise RuleViolation(
            field=name, rule="numeric", message=f"must be numeric, not {column.dtype}"
        )
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _least_squares(design: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Coefficients, (XᵀX)⁻¹ and the residual sum of squares, by a QR decomposition."""
    q, r = np.linalg.qr(design)
    beta = np.linalg.solve(r, q.T @ y)
    residual = y - design @ beta
    r_inverse = np.linalg.inv(r)
    return beta, r_inverse @ r_inverse.T, float(residual @ residual)


def _f_test(rss_reduced: float, rss_full: float, dropped: int, df_residual: int) -> FTest:
    statistic = ((rss_reduced - rss_full) / dropped) / (rss_full / df_residual)
    return FTest(
        statistic=float(statistic),
        df_numerator=dropped,
        df_denominator=df_residual,
        p=float(stats.f.sf(statistic, dropped, df_residual)),
    )


def dose_response(
    frame: pd.DataFrame,
    exposure: str,
    outcome: str,
    covariates: Sequence[str] = (),
    *,
    knots: int = 4,
    log: bool = True,
    grid_points: int = 100,
    conf_level: float = 0.95,
) -> DoseResponseFit:
    """Fit `outcome ~ rcs(log(exposure), knots) + covariates` by least squares.

    Rows missing any of the columns are dropped (R's na.omit). Raises MissingColumnError,
    RuleViolation (a non-numeric column; a zero or negative exposure on the log scale),
    EmptyGroupError (too few rows or distinct exposures for the knots), ConstantCovariateError
    and CollinearityError.
    """
    names = [exposure, outcome, *covariates]
    columns = {name: _numeric(frame, name) for name in names}
    complete = np.logical_and.reduce([~np.isnan(values) for values in columns.values()])
    x_raw = columns[exposure][complete]
    y = columns[outcome][complete]
    n = int(complete.sum())
    n_parameters = 1 + (knots - 1) + len(covariates)
    if n < n_parameters + 2 or n < 2 * knots:
        raise EmptyGroupError(
            f"{n} complete rows of {names}: too few for a {knots}-knot spline "
            f"with {len(covariates)} covariate(s)"
        )
    if log:
        if np.any(x_raw <= 0):
            bad = float(x_raw[x_raw <= 0][0])
            raise RuleViolation(
                field=exposure,
                rule="positive_for_log",
                message=f"{bad:g} cannot be put on a log scale; only values > 0",
            )
        x = np.log(x_raw)
    else:
        x = x_raw
    knot_positions = rcs_knots(x, knots)
    covariate_values = (
        np.column_stack([columns[name][complete] for name in covariates])
        if (covariates)
        else np.zeros((n, 0))
    )
    for position, name in enumerate(covariates):
        if np.ptp(covariate_values[:, position]) == 0:
            raise ConstantCovariateError(name, value=float(covariate_values[0, position]))
    spline = rcs_basis(x, knot_positions)
    design = np.column_stack([np.ones(n), spline, covariate_values])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise CollinearityError(
            [exposure, *covariates], detail="the spline and covariate columns are dependent"
        )
    beta, unscaled, rss = _least_squares(design, y)
    df_residual = n - design.shape[1]
    sigma2 = rss / df_residual
    covariance = sigma2 * unscaled
    spline_names = [exposure] + [f"{exposure}{chr(39) * (j + 1)}" for j in range(knots - 2)]
    term_names = [INTERCEPT, *spline_names, *covariates]
    coefficients = pd.DataFrame(
        {"coef": beta, "se": np.sqrt(np.diag(covariance))}, index=pd.Index(term_names, name="term")
    )

    grid_x = np.linspace(float(x.min()), float(x.max()), grid_points)
    grid_design = np.column_stack(
        [
            np.ones(grid_points),
            rcs_basis(grid_x, knot_positions),
            np.tile(covariate_values.mean(axis=0), (grid_points, 1)),
        ]
    )
    fit = grid_design @ beta
    se_fit = np.sqrt(np.einsum("ij,jk,ik->i", grid_design, covariance, grid_design))
    t_quantile = float(stats.t.ppf((1 + conf_level) / 2, df_residual))
    curve = pd.DataFrame(
        {
            "exposure": np.exp(grid_x) if log else grid_x,
            "x": grid_x,
            "fit": fit,
            "se": se_fit,
            "lower": fit - t_quantile * se_fit,
            "upper": fit + t_quantile * se_fit,
        }
    )
    reduced = np.column_stack([np.ones(n), covariate_values])
    _, _, rss_without = _least_squares(reduced, y)
    association = _f_test(rss_without, rss, knots - 1, df_residual)
    nonlinearity = None
    if knots > 2:
        linear = np.column_stack([np.ones(n), x, covariate_values])
        _, _, rss_linear = _least_squares(linear, y)
        nonlinearity = _f_test(rss_linear, rss, knots - 2, df_residual)
    loglik = -n / 2 * (np.log(2 * np.pi) + np.log(rss / n) + 1)
    return DoseResponseFit(
        curve=curve,
        coefficients=coefficients,
        knots=knot_positions,
        n=n,
        df_residual=df_residual,
        sigma=float(np.sqrt(sigma2)),
        loglik=float(loglik),
        association=association,
        nonlinearity=nonlinearity,
        exposure=exposure,
        outcome=outcome,
        covariates=tuple(covariates),
        log=log,
    )
