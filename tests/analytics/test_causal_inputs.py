"""iptw's refusals: each bad input raises an error that names the column and the rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.causal import iptw
from spinereg.analytics.exceptions import (
    CollinearityError,
    ConstantCovariateError,
    ConvergenceError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
COVARIATES = ["age", "baseline_odi", "smoker", "symptom_months"]


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return pd.read_csv(KNOWN / "causal_simulated.csv")


def _run(frame: pd.DataFrame) -> None:
    iptw(frame, "treatment", COVARIATES, "odi_change")


def test_a_boolean_treatment_is_the_same_as_0_1(simulated: pd.DataFrame) -> None:
    as_number = iptw(simulated, "treatment", COVARIATES, "odi_change")
    as_boolean = iptw(
        simulated.assign(treatment=simulated["treatment"] == 1),
        "treatment",
        COVARIATES,
        "odi_change",
    )
    assert as_boolean.ate == as_number.ate
    pd.testing.assert_series_equal(as_boolean.weights, as_number.weights)


def test_stabilising_rescales_each_group_by_its_share(simulated: pd.DataFrame) -> None:
    stabilized = iptw(simulated, "treatment", COVARIATES, "odi_change", stabilized=True)
    plain = iptw(simulated, "treatment", COVARIATES, "odi_change", stabilized=False)
    treated = simulated["treatment"].to_numpy() == 1
    ratio = (stabilized.weights / plain.weights).to_numpy()
    assert ratio[treated] == pytest.approx(np.full(treated.sum(), treated.mean()), rel=1e-12)
    assert ratio[~treated] == pytest.approx(
        np.full((~treated).sum(), 1 - treated.mean()), rel=1e-12
    )
    assert stabilized.ate == pytest.approx(plain.ate, rel=1e-12)


@pytest.mark.parametrize(
    ("change", "error", "needle"),
    [
        (lambda f: f.drop(columns="age"), MissingColumnError, "'age'"),
        (lambda f: f.assign(treatment=f["treatment"] * 2), RuleViolation, "treatment"),
        (lambda f: f.assign(treatment=0), EmptyGroupError, "treated"),
        (lambda f: f.assign(smoker=1), ConstantCovariateError, "smoker"),
        (lambda f: f.assign(symptom_months=f["age"] * 12), CollinearityError, "symptom_months"),
        (lambda f: f.assign(age=f["age"].astype(str)), RuleViolation, "age"),
        (lambda f: f.assign(odi_change=f["odi_change"].where(f.index > 3)), RuleViolation, "odi"),
    ],
    ids=["missing", "not-binary", "no-treated", "constant", "collinear", "text", "incomplete"],
)
def test_bad_input_is_refused_naming_the_column(
    simulated: pd.DataFrame,
    change: Callable[[pd.DataFrame], pd.DataFrame],
    error: type[Exception],
    needle: str,
) -> None:
    with pytest.raises(error, match=needle):
        _run(change(simulated))


def test_a_treatment_coded_as_text_is_not_binary(simulated: pd.DataFrame) -> None:
    labelled = simulated.assign(treatment=simulated["treatment"].map({1: "bmac", 0: "physio"}))
    with pytest.raises(RuleViolation) as raised:
        _run(labelled)
    assert (raised.value.field, raised.value.rule) == ("treatment", "numeric")


def test_complete_separation_is_a_convergence_error(simulated: pd.DataFrame) -> None:
    """Everyone over 55 treated, nobody else: glm only warns, and 1/P weights explode."""
    separated = simulated.assign(treatment=(simulated["age"] > 55).astype(int))
    with pytest.raises(ConvergenceError, match="separated by \\['age'\\]"):
        _run(separated)


def test_quasi_complete_separation_is_a_convergence_error(simulated: pd.DataFrame) -> None:
    """Every smoker untreated, non-smokers mixed: the smoker coefficient runs off to -∞."""
    quasi = simulated.assign(treatment=simulated["treatment"].where(simulated["smoker"] == 0, 0))
    with pytest.raises(ConvergenceError, match="smoker"):
        _run(quasi)


def test_overlapping_groups_are_not_called_separated(simulated: pd.DataFrame) -> None:
    """A strong but imperfect predictor still has a finite estimate."""
    strong = simulated.assign(
        treatment=((simulated["age"] > 55) ^ (simulated.index % 50 == 0)).astype(int)
    )
    result = iptw(strong, "treatment", COVARIATES, "odi_change")
    assert result.propensity.coefficients.loc["age", "coef"] > 0
