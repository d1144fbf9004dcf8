"""cox_ph against R's coxph (tests/known_answers/survival_reference.R), Efron and Breslow ties:

    fit <- coxph(Surv(time, status) ~ age + sex + ph_ecog, data = na.omit(lung), ties = ties)
    fit <- coxph(Surv(time, status) ~ karno + age + trt, data = veteran, ties = ties)
    fit <- coxph(Surv(futime, fustat) ~ age + ecog_ps, data = ovarian, ties = ties)
    fit <- coxph(Surv(time, event) ~ x1 + x2 + x3, data = simulated_ties, ties = ties)
    summary(fit)$coefficients, summary(fit)$conf.int, fit$loglik, fit$concordance, fit$iter

The R iteration stops at |1 − ℓ_old/ℓ_new| ≤ 1e-9 and ours follows the same path, so the
coefficients agree far inside the 1e-6 relative tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.exceptions import (
    AnalyticsError,
    CollinearityError,
    ConstantCovariateError,
    ConvergenceError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.analytics.survival import CoxPHFit, cox_ph
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
REFERENCE: dict[str, Any] = json.loads((KNOWN / "survival_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cox"]}
REL = 1e-6


@pytest.fixture(scope="module", params=sorted(CASES))
def fitted(request: pytest.FixtureRequest) -> tuple[CoxPHFit, dict[str, Any]]:
    """R turns the character column `group` into a factor with treatment coding (level A the
    reference); we dummy-code it the documented way, giving columns group_B and group_C."""
    case = CASES[request.param]
    columns = [case["duration"], case["event"], *case["covariates"]]
    frame = pd.read_csv(KNOWN / f"survival_{case['dataset']}.csv")[columns].dropna()
    if "group" in case["covariates"]:
        frame = pd.get_dummies(frame, columns=["group"], drop_first=True, dtype=float)
    covariates = [column for column in frame.columns if column not in columns[:2]]
    fit = cox_ph(frame, case["duration"], case["event"], covariates, ties=case["ties"])
    return fit, case


def test_the_r_script_covers_both_tie_methods_on_each_dataset() -> None:
    pairs = {(case["dataset"], case["ties"]) for case in CASES.values()}
    datasets = {"lung", "veteran", "ovarian", "simulated_ties"}
    assert pairs == {(dataset, ties) for dataset in datasets for ties in ("efron", "breslow")}
    assert any(len(case["terms"]) >= 5 for case in CASES.values())  # 15 moment pairs


@pytest.mark.parametrize("column", ["coef", "se", "hazard_ratio", "lower", "upper", "z"])
def test_coefficient_table_matches_summary_coxph(
    fitted: tuple[CoxPHFit, dict[str, Any]], column: str
) -> None:
    fit, expected = fitted
    # R names the dummies groupB, groupC; pandas group_B, group_C.
    unify = {"group_B": "groupB", "group_C": "groupC"}
    assert [unify.get(name, name) for name in fit.summary.index] == expected["terms"]
    np.testing.assert_allclose(fit.summary[column], expected[column], rtol=REL, atol=0)


def test_p_values_match_summary_coxph(fitted: tuple[CoxPHFit, dict[str, Any]]) -> None:
    fit, expected = fitted
    np.testing.assert_allclose(fit.summary["p"], expected["p"], rtol=REL, atol=1e-12)


def test_loglik_concordance_and_counts_match(fitted: tuple[CoxPHFit, dict[str, Any]]) -> None:
    fit, expected = fitted
    assert fit.loglik == pytest.approx(expected["loglik"], rel=REL)
    assert fit.loglik_null == pytest.approx(expected["loglik_null"], rel=REL)
    assert fit.concordance == pytest.approx(expected["concordance"], rel=REL)
    assert fit.likelihood_ratio_chi_square == pytest.approx(expected["likelihood_ratio"], rel=REL)
    assert fit.likelihood_ratio_p == pytest.approx(
        expected["likelihood_ratio_p"], rel=REL, abs=1e-12
    )
    assert (fit.n, fit.n_events) == (expected["n"], expected["n_events"])
    assert fit.iterations == expected["iterations"]


def test_the_summary_has_the_documented_columns(fitted: tuple[CoxPHFit, dict[str, Any]]) -> None:
    fit, _ = fitted
    assert list(fit.summary.columns) == ["coef", "se", "hazard_ratio", "lower", "upper", "z", "p"]


def small_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 120
    frame = pd.DataFrame({"age": rng.normal(60, 10, n), "smoker": rng.integers(0, 2, n)})
    hazard = 0.05 * np.exp(0.03 * (frame["age"] - 60) + 0.5 * frame["smoker"])
    frame["days"] = np.ceil(rng.exponential(1 / hazard)).astype(int)
    frame["event"] = (rng.uniform(size=n) < 0.7).astype(int)
    return frame


def test_without_tied_times_efron_and_breslow_agree() -> None:
    frame = small_frame()
    frame["days"] = frame["days"] + np.arange(len(frame)) * 1e-3  # all times distinct
    efron = cox_ph(frame, "days", "event", ["age", "smoker"], ties="efron")
    breslow = cox_ph(frame, "days", "event", ["age", "smoker"], ties="breslow")
    pd.testing.assert_frame_equal(efron.summary, breslow.summary, rtol=1e-10)


def test_shifting_a_covariate_leaves_the_fit_unchanged() -> None:
    frame = small_frame()
    shifted = frame.assign(age=frame["age"] - 60)
    first = cox_ph(frame, "days", "event", ["age", "smoker"])
    second = cox_ph(shifted, "days", "event", ["age", "smoker"])
    pd.testing.assert_frame_equal(first.summary, second.summary, rtol=1e-8)
    assert first.loglik == pytest.approx(second.loglik, rel=1e-12)


def test_row_order_does_not_matter() -> None:
    frame = small_frame()
    shuffled = frame.sample(frac=1.0, random_state=3)
    first = cox_ph(frame, "days", "event", ["age", "smoker"])
    second = cox_ph(shuffled, "days", "event", ["age", "smoker"])
    pd.testing.assert_frame_equal(first.summary, second.summary, rtol=1e-9)
    assert first.concordance == pytest.approx(second.concordance, rel=1e-12)


def test_a_boolean_covariate_counts_as_zero_one() -> None:
    frame = small_frame()
    as_bool = cox_ph(frame.assign(smoker=frame["smoker"] == 1), "days", "event", ["smoker"])
    as_int = cox_ph(frame, "days", "event", ["smoker"])
    pd.testing.assert_frame_equal(as_bool.summary, as_int.summary)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(MissingColumnError, match="column 'weight' is missing") as caught:
        cox_ph(small_frame(), "days", "event", ["age", "weight"])
    assert caught.value.column == "weight"


def test_a_constant_covariate_is_named() -> None:
    frame = small_frame().assign(site=3)
    with pytest.raises(ConstantCovariateError, match="'site' is constant") as caught:
        cox_ph(frame, "days", "event", ["age", "site"])
    assert caught.value.covariate == "site"


def test_collinear_covariates_are_refused() -> None:
    frame = small_frame()
    frame["age_months"] = frame["age"] * 12
    with pytest.raises(CollinearityError, match="age_months"):
        cox_ph(frame, "days", "event", ["age", "age_months"])


def test_a_categorical_covariate_asks_for_dummy_coding() -> None:
    frame = small_frame().assign(site=lambda f: pd.Categorical(np.where(f["age"] > 60, "a", "b")))
    with pytest.raises(RuleViolation, match=r"site: must be numeric.*dummy-code"):
        cox_ph(frame, "days", "event", ["site"])


def test_a_missing_covariate_value_is_refused_with_the_rule() -> None:
    frame = small_frame()
    frame.loc[4, "age"] = np.nan
    with pytest.raises(RuleViolation, match=r"age: 1 missing value.*position 4.*no_missing"):
        cox_ph(frame, "days", "event", ["age"])


def test_no_events_is_refused() -> None:
    frame = small_frame().assign(event=0)
    with pytest.raises(EmptyGroupError, match="no events"):
        cox_ph(frame, "days", "event", ["age"])


def test_running_out_of_iterations_raises_convergence_error() -> None:
    with pytest.raises(ConvergenceError, match="did not converge in 1 iterations"):
        cox_ph(small_frame(), "days", "event", ["age", "smoker"], max_iterations=1)


def test_a_coefficient_running_to_infinity_raises_convergence_error() -> None:
    """Smokers all have events before every non-smoker: the likelihood is monotone in β and R
    warns "Loglik converged before variable 1; coefficient may be infinite"."""
    frame = pd.DataFrame(
        {
            "days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "event": [1, 1, 1, 1, 1, 1, 0, 1, 0, 1],
            "smoker": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
        }
    )
    with pytest.raises(ConvergenceError, match=r"\['smoker'\].*infinite"):
        cox_ph(frame, "days", "event", ["smoker"])


def test_every_fit_error_is_an_analytics_error() -> None:
    for error in (
        MissingColumnError,
        ConstantCovariateError,
        CollinearityError,
        EmptyGroupError,
        ConvergenceError,
    ):
        assert issubclass(error, AnalyticsError)
        assert issubclass(error, ValueError)


def test_an_unknown_tie_method_is_refused() -> None:
    unknown: Any = "exact"  # deliberately not one of the Ties literals
    with pytest.raises(RuleViolation, match="ties: 'exact' is not one of"):
        cox_ph(small_frame(), "days", "event", ["age"], ties=unknown)
