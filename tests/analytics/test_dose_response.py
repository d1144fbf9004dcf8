"""dose_response against R (tests/known_answers/report_dose_response.R):

    fit <- lm(y ~ ns(log(x), knots = t[2:3], Boundary.knots = t[c(1, 4)]) + baseline_odi)
    predict(fit, grid, interval = "confidence"); anova(reduced, fit); logLik(fit)

and Harrell's truncated-power basis fitted in R for the coefficients; plus its failure modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.dose_response import dose_response, rcs_basis, rcs_knots
from spinereg.analytics.exceptions import (
    ConstantCovariateError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "report_dose_response.json").read_text())
FRAME = pd.read_csv(KNOWN / "report_dose_response.csv")
REL = 1e-6
CASES = {
    "adjusted_k4_log": {"covariates": ["baseline_odi"], "knots": 4, "log": True},
    "unadjusted_k5_raw": {"covariates": [], "knots": 5, "log": False},
}


@pytest.fixture(params=list(CASES), scope="module")
def case(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any]]:
    options = CASES[request.param]
    fit = dose_response(
        FRAME,
        "cfu_f_per_ml",
        "odi_change",
        options["covariates"],
        knots=options["knots"],
        log=options["log"],
    )
    return fit, EXPECTED[request.param]


def test_the_knots_are_harrells_default_quantiles(case: tuple[Any, dict[str, Any]]) -> None:
    fit, expected = case
    assert fit.knots == pytest.approx(expected["knots"], rel=REL)


def test_the_curve_and_band_match_r_predict(case: tuple[Any, dict[str, Any]]) -> None:
    fit, expected = case
    assert fit.curve["x"].to_numpy() == pytest.approx(expected["grid_x"], rel=REL)
    assert fit.curve["fit"].to_numpy() == pytest.approx(expected["fit"], rel=REL)
    assert fit.curve["se"].to_numpy() == pytest.approx(expected["se"], rel=REL)
    assert fit.curve["lower"].to_numpy() == pytest.approx(expected["lower"], rel=REL)
    assert fit.curve["upper"].to_numpy() == pytest.approx(expected["upper"], rel=REL)


def test_the_fit_statistics_match_r(case: tuple[Any, dict[str, Any]]) -> None:
    fit, expected = case
    assert fit.n == expected["n"]
    assert fit.df_residual == expected["df_residual"]
    assert fit.sigma == pytest.approx(expected["sigma"], rel=REL)
    assert fit.loglik == pytest.approx(expected["loglik"], rel=REL)
    for name in ("association", "nonlinearity"):
        test = getattr(fit, name)
        assert test.statistic == pytest.approx(expected[name]["F"], rel=REL)
        assert test.df_numerator == expected[name]["df1"]
        assert test.df_denominator == expected[name]["df2"]
        assert test.p == pytest.approx(expected[name]["p"], rel=REL)


def test_the_truncated_power_coefficients_match_the_r_basis(
    case: tuple[Any, dict[str, Any]],
) -> None:
    fit, expected = case
    assert fit.coefficients["coef"].to_numpy() == pytest.approx(expected["rcs_coef"], rel=REL)
    assert fit.coefficients["se"].to_numpy() == pytest.approx(expected["rcs_se"], rel=REL)


def test_the_spline_is_linear_beyond_the_outer_knots() -> None:
    knots = np.array([1.0, 2.0, 3.0, 4.0])
    beyond = np.array([5.0, 6.0, 7.0])
    basis = rcs_basis(beyond, knots)
    second_differences = np.diff(basis, n=2, axis=0)
    assert second_differences == pytest.approx(np.zeros_like(second_differences), abs=1e-12)
    assert rcs_basis(np.array([0.5]), knots)[0, 1:] == pytest.approx([0.0, 0.0])


def test_a_zero_exposure_cannot_go_on_a_log_scale() -> None:
    frame = FRAME.copy()
    frame.loc[3, "cfu_f_per_ml"] = 0
    with pytest.raises(RuleViolation, match="positive_for_log"):
        dose_response(frame, "cfu_f_per_ml", "odi_change", ["baseline_odi"])


def test_a_constant_covariate_is_named() -> None:
    frame = FRAME.assign(baseline_odi=50.0)
    with pytest.raises(ConstantCovariateError, match="baseline_odi"):
        dose_response(frame, "cfu_f_per_ml", "odi_change", ["baseline_odi"])


def test_too_few_distinct_exposures_tie_the_knots() -> None:
    frame = FRAME.assign(cfu_f_per_ml=np.where(FRAME.index % 2 == 0, 1500.0, 2500.0))
    with pytest.raises(EmptyGroupError, match="tied spline knots"):
        rcs_knots(np.log(frame["cfu_f_per_ml"]), 4)
    with pytest.raises(EmptyGroupError):
        dose_response(frame, "cfu_f_per_ml", "odi_change")


def test_an_empty_subgroup_and_a_missing_column_are_clear_errors() -> None:
    with pytest.raises(EmptyGroupError, match="0 complete rows"):
        dose_response(FRAME.iloc[:0], "cfu_f_per_ml", "odi_change")
    with pytest.raises(MissingColumnError, match="cd34_per_ml"):
        dose_response(FRAME, "cd34_per_ml", "odi_change")
