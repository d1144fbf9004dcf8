"""mixed_model's handling of its input: coding, missing values, row order, and clear refusals."""

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
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.analytics.longitudinal import mixed_model
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "lmm_fits.json").read_text())["fits"]
FORMULA = "odi ~ months + treatment + baseline_odi"


@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    return pd.read_csv(KNOWN / "lmm_registry.csv")


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    return pd.read_csv(KNOWN / "lmm_sleepstudy.csv")


def test_rows_with_a_missing_value_are_dropped_like_na_omit(sleep: pd.DataFrame) -> None:
    holed = sleep.copy()
    holed.loc[[3, 50, 51], "Reaction"] = np.nan
    holed.loc[[7], "Days"] = np.nan
    fit = mixed_model(holed, "Reaction ~ Days", "Subject", random="1 + Days")
    reference = mixed_model(
        sleep.drop(index=[3, 7, 50, 51]), "Reaction ~ Days", "Subject", random="1 + Days"
    )
    assert fit.n_obs == len(sleep) - 4
    assert fit.loglik == pytest.approx(reference.loglik, rel=1e-12)
    pd.testing.assert_frame_equal(fit.fixed, reference.fixed)


def test_the_row_order_does_not_change_the_fit(registry: pd.DataFrame) -> None:
    shuffled = registry.sample(frac=1.0, random_state=3)
    fit = mixed_model(shuffled, FORMULA, "patient_id", random="1 + months")
    expected = EXPECTED["registry_slope_reml"]["polished"]
    assert fit.fixed["coef"].to_numpy() == pytest.approx(expected["fixed"]["coef"], rel=1e-6)
    assert fit.loglik == pytest.approx(expected["loglik"], rel=1e-9)


def test_a_categorical_columns_first_category_is_the_reference(registry: pd.DataFrame) -> None:
    """Re-levelled so that physio is the reference: the same model, reparametrised, so R's
    treatmentphysio (vs bmac) reappears with the opposite sign as treatmentbmac (vs physio)."""
    relevelled = registry.assign(
        treatment=pd.Categorical(registry["treatment"], ["physio", "bmac", "epidural"])
    )
    fit = mixed_model(relevelled, FORMULA, "patient_id", random="1 + months")
    r_fixed = EXPECTED["registry_slope_reml"]["polished"]["fixed"]
    r_coef = dict(zip(r_fixed["term"], r_fixed["coef"], strict=True))
    assert list(fit.fixed.index) == [
        "(Intercept)", "months", "treatmentbmac", "treatmentepidural", "baseline_odi"
    ]  # fmt: skip
    assert fit.fixed.loc["treatmentbmac", "coef"] == pytest.approx(
        -r_coef["treatmentphysio"], rel=1e-6
    )
    assert fit.fixed.loc["treatmentepidural", "coef"] == pytest.approx(
        r_coef["treatmentepidural"] - r_coef["treatmentphysio"], rel=1e-6
    )
    assert fit.loglik == pytest.approx(EXPECTED["registry_slope_reml"]["polished"]["loglik"])


def test_a_boolean_column_is_coded_as_r_codes_a_logical(registry: pd.DataFrame) -> None:
    flagged = registry.assign(is_bmac=registry["treatment"] == "bmac")
    as_boolean = mixed_model(flagged, "odi ~ months + is_bmac", "patient_id", random="1")
    as_number = mixed_model(
        flagged.assign(is_bmac=flagged["is_bmac"].astype(float)),
        "odi ~ months + is_bmac",
        "patient_id",
        random="1",
    )
    assert list(as_boolean.fixed.index) == ["(Intercept)", "months", "is_bmacTRUE"]
    assert as_boolean.fixed["coef"].to_numpy() == pytest.approx(
        as_number.fixed["coef"].to_numpy(), rel=1e-9
    )


def test_a_random_intercept_model_reports_no_slope_components(sleep: pd.DataFrame) -> None:
    fit = mixed_model(sleep, "Reaction ~ Days", "Subject", random="1")
    assert list(fit.variance_components.index) == ["intercept_var", "residual_var"]
    assert list(fit.random_effects.columns) == ["(Intercept)"]


def test_r_style_implicit_intercept_in_the_random_term(sleep: pd.DataFrame) -> None:
    implicit = mixed_model(sleep, "Reaction ~ Days", "Subject", random="Days")
    explicit = mixed_model(sleep, "Reaction ~ Days", "Subject", random="1 + Days")
    assert implicit.loglik == explicit.loglik


@pytest.mark.parametrize(
    ("change", "error", "needle"),
    [
        (lambda f: f.drop(columns="baseline_odi"), MissingColumnError, "baseline_odi"),
        (lambda f: f.assign(baseline_odi=50.0), ConstantCovariateError, "baseline_odi"),
        (lambda f: f.assign(baseline_odi=2 * f["months"]), CollinearityError, "baseline_odi"),
        (lambda f: f.assign(odi=f["odi"].astype(str)), RuleViolation, "odi"),
        (lambda f: f.assign(months=3.0), ConstantCovariateError, "months"),
        (lambda f: f.assign(odi=np.nan), EmptyGroupError, "no row"),
    ],
    ids=["missing", "constant", "collinear", "text-response", "constant-time", "all-missing"],
)
def test_bad_input_is_refused_naming_the_column(
    registry: pd.DataFrame, change: Any, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=needle):
        mixed_model(change(registry), FORMULA, "patient_id", random="1 + months")


@pytest.mark.parametrize(
    ("formula", "random", "rule"),
    [
        ("odi months", "1", "formula_syntax"),
        ("odi ~ months + ", "1", "formula_syntax"),
        ("odi ~ months:treatment", "1", "marginality"),
        ("odi ~ 0 + treatment", "1", "marginality"),
        ("odi ~ months", "1 + months + baseline_odi", "random_structure"),
        ("odi ~ months", "0 + months", "random_structure"),
    ],
)
def test_unsupported_model_specifications_are_refused(
    registry: pd.DataFrame, formula: str, random: str, rule: str
) -> None:
    with pytest.raises(RuleViolation) as raised:
        mixed_model(registry, formula, "patient_id", random=random)
    assert raised.value.rule == rule


def test_one_visit_per_patient_cannot_separate_patients_from_noise(registry: pd.DataFrame) -> None:
    first_visits = registry.groupby("patient_id").head(1)
    with pytest.raises(EmptyGroupError, match=r"check\.nobs"):
        mixed_model(first_visits, "odi ~ baseline_odi", "patient_id", random="1")


def test_a_response_without_noise_is_refused(registry: pd.DataFrame) -> None:
    exact = registry.assign(odi=10 + 2 * registry["months"])
    with pytest.raises(AnalyticsError, match="exact linear function"):
        mixed_model(exact, "odi ~ months", "patient_id", random="1 + months")
