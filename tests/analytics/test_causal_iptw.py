"""iptw against R (tests/known_answers/causal_iptw.R): glm propensity model, weights, the
weighted lm with sandwich::vcovHC(type = "HC0"), balance table and effective sample sizes, on
simulated confounded data and on MASS::birthwt (maternal smoking and birth weight)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.causal import IptwResult, iptw

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "causal_iptw.json").read_text())
REL = 1e-6


@pytest.fixture(
    scope="module",
    params=[(data, stabilized) for data in ("simulated", "birthwt") for stabilized in (1, 0)],
    ids=lambda param: f"{param[0]}-{'stabilized' if param[1] else 'unstabilized'}",
)
def analysis(request: pytest.FixtureRequest) -> tuple[IptwResult, dict[str, Any], dict[str, Any]]:
    data, stabilized = request.param
    expected = EXPECTED[data]
    frame = pd.read_csv(KNOWN / f"causal_{data}.csv")
    result = iptw(
        frame,
        expected["treatment"],
        expected["covariates"],
        expected["outcome"],
        stabilized=bool(stabilized),
    )
    return result, expected, expected["stabilized" if stabilized else "unstabilized"]


def test_propensity_model_matches_glm(
    analysis: tuple[IptwResult, dict[str, Any], dict[str, Any]],
) -> None:
    """R: coef(glm(treatment ~ ..., family = binomial)); summary(.)$coefficients[, 2]; fitted."""
    result, expected, _ = analysis
    model = expected["propensity"]
    coefficients = result.propensity.coefficients
    assert list(coefficients.index) == model["term"]
    assert coefficients["coef"].to_numpy() == pytest.approx(model["coef"], rel=REL)
    assert coefficients["se"].to_numpy() == pytest.approx(model["se"], rel=REL)
    assert result.propensity.deviance == pytest.approx(model["deviance"], rel=REL)
    assert result.propensity.score.to_numpy() == pytest.approx(
        expected["propensity_score"], rel=REL
    )


def test_weights_match(analysis: tuple[IptwResult, dict[str, Any], dict[str, Any]]) -> None:
    result, _, weighting = analysis
    assert result.weights.to_numpy() == pytest.approx(weighting["weights"], rel=REL)


def test_ate_and_its_hc0_sandwich_se_match(
    analysis: tuple[IptwResult, dict[str, Any], dict[str, Any]],
) -> None:
    """R: coef(lm(outcome ~ treatment, weights = w))[2];
    sqrt(sandwich::vcovHC(fit, type = "HC0")[2, 2]); coef ± qnorm(0.975) · se."""
    result, _, weighting = analysis
    assert result.ate == pytest.approx(weighting["ate"], rel=REL)
    assert result.ate_se == pytest.approx(weighting["ate_se"], rel=REL)
    assert result.ate_ci == pytest.approx(weighting["ate_ci"], rel=REL)


def test_balance_table_and_effective_sample_sizes_match(
    analysis: tuple[IptwResult, dict[str, Any], dict[str, Any]],
) -> None:
    """R: means and weighted.mean by group, SMD over sqrt((var(x1) + var(x0)) / 2);
    (Σw)² / Σw² per group."""
    result, expected, weighting = analysis
    table = pd.DataFrame(weighting["balance"]).set_index("covariate")
    assert list(result.balance.index) == expected["covariates"]
    for column in result.balance.columns:
        ours, theirs = result.balance[column].to_numpy(), table[column].to_numpy()
        assert ours == pytest.approx(theirs, rel=REL, abs=1e-12 * np.abs(theirs).max())
    assert result.ess_treated == pytest.approx(weighting["ess_treated"], rel=REL)
    assert result.ess_control == pytest.approx(weighting["ess_control"], rel=REL)


def test_weighting_balances_the_simulated_confounders() -> None:
    """The simulated data are confounded by design (|SMD| 0.2-0.4 before); weighting by a
    correctly specified propensity model should bring every |SMD| under Austin's 0.1."""
    expected = EXPECTED["simulated"]
    frame = pd.read_csv(KNOWN / "causal_simulated.csv")
    result = iptw(frame, expected["treatment"], expected["covariates"], expected["outcome"])
    assert (result.balance["smd_before"].abs() > 0.2).all()
    assert (result.balance["smd_after"].abs() < 0.1).all()
