"""mixed_model against lme4::lmer, fit by fit (tests/known_answers/lmm_fits.R).

The reference for each fit is lme4's own profiled deviance minimised precisely ("polished": tight
BOBYQA, then Newton steps on `lmer(..., devFunOnly = TRUE)`, see the R script); lmer's default
stopping rule leaves θ about 1e-5 off, which a 1e-6 comparison would otherwise measure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.longitudinal import MixedModelResult, mixed_model

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "lmm_fits.json").read_text())["fits"]
REL = 1e-6

# fit name in lmm_fits.json → (data file, formula, groups, random)
FITS = {
    "sleepstudy_slope_reml": ("sleepstudy", "Reaction ~ Days", "Subject", "1 + Days"),
    "sleepstudy_slope_ml": ("sleepstudy", "Reaction ~ Days", "Subject", "1 + Days"),
    "sleepstudy_intercept_reml": ("sleepstudy", "Reaction ~ Days", "Subject", "1"),
    "sleepstudy_intercept_ml": ("sleepstudy", "Reaction ~ Days", "Subject", "1"),
    "registry_slope_reml": (
        "registry", "odi ~ months + treatment + baseline_odi", "patient_id", "1 + months"
    ),
    "registry_slope_ml": (
        "registry", "odi ~ months + treatment + baseline_odi", "patient_id", "1 + months"
    ),
    "registry_intercept_reml": (
        "registry", "odi ~ months + treatment + baseline_odi", "patient_id", "1"
    ),
    "registry_interaction_reml": (
        "registry", "odi ~ months * treatment + baseline_odi", "patient_id", "1 + months"
    ),
    "singular_slope_reml": ("singular", "odi ~ months", "patient_id", "1 + months"),
}  # fmt: skip


def _fit(name: str) -> MixedModelResult:
    data, formula, groups, random = FITS[name]
    frame = pd.read_csv(KNOWN / f"lmm_{data}.csv")
    return mixed_model(frame, formula, groups, random=random, reml=EXPECTED[name]["reml"])


def test_every_fit_in_the_r_script_is_checked() -> None:
    assert set(FITS) == set(EXPECTED)


@pytest.fixture(scope="module", params=sorted(FITS))
def fitted(request: pytest.FixtureRequest) -> tuple[MixedModelResult, dict[str, Any]]:
    return _fit(request.param), EXPECTED[request.param]


def test_fixed_effects_match_fixef_and_vcov(
    fitted: tuple[MixedModelResult, dict[str, Any]],
) -> None:
    """R: fixef(fit); sqrt(diag(vcov(fit)))."""
    ours, expected = fitted
    reference = expected["polished"]["fixed"]
    assert list(ours.fixed.index) == reference["term"]
    assert ours.fixed["coef"].to_numpy() == pytest.approx(reference["coef"], rel=REL)
    assert ours.fixed["se"].to_numpy() == pytest.approx(reference["se"], rel=REL)


def test_variance_components_match_varcorr(
    fitted: tuple[MixedModelResult, dict[str, Any]],
) -> None:
    """R: as.data.frame(VarCorr(fit)), the vcov column (variances) and sdcor (correlation)."""
    ours, expected = fitted
    reference = expected["polished"]
    components = ours.variance_components
    assert components["intercept_var"] == pytest.approx(reference["intercept_var"], rel=REL)
    assert components["residual_var"] == pytest.approx(reference["residual_var"], rel=REL)
    if "slope_var" in components:
        assert components["slope_var"] == pytest.approx(reference["slope_var"], rel=REL)
        assert components["correlation"] == pytest.approx(reference["correlation"], rel=REL)
    else:
        assert reference["slope_var"] == {}  # jsonlite's NULL: intercept-only model


def test_loglik_and_theta_match_lme4(fitted: tuple[MixedModelResult, dict[str, Any]]) -> None:
    """R: logLik(fit) (REML or ML as fitted); getME(fit, "theta")."""
    ours, expected = fitted
    reference = expected["polished"]
    assert ours.loglik == pytest.approx(reference["loglik"], rel=REL)
    assert ours.deviance_criterion == pytest.approx(reference["deviance_criterion"], rel=REL)
    theta = np.atleast_1d(reference["theta"])
    assert np.abs(np.array(ours.theta) - theta) == pytest.approx(0, abs=REL * np.abs(theta).max())
    assert ours.converged
    assert (ours.n_obs, ours.n_groups) == (reference["n_obs"], reference["n_groups"])


def test_the_optimum_is_no_worse_than_lmers_default_stop(
    fitted: tuple[MixedModelResult, dict[str, Any]],
) -> None:
    """lmer with its default control stops early; our criterion must be at least as good."""
    ours, expected = fitted
    assert ours.loglik >= expected["default"]["loglik"] - 1e-9


def test_random_effects_match_ranef(fitted: tuple[MixedModelResult, dict[str, Any]]) -> None:
    """R: ranef(fit)[[1]], conditional modes per group."""
    ours, expected = fitted
    reference = expected["polished"]["random_effects"]
    columns, values_by_column = reference["columns"], reference["values"]
    if isinstance(columns, str):  # jsonlite unboxes the one column name of an intercept model
        columns = [columns]
    assert [str(group) for group in ours.random_effects.index] == reference["group"]
    assert list(ours.random_effects.columns) == columns
    for column, values in zip(columns, values_by_column, strict=True):
        values_array = np.asarray(values)
        scale = np.abs(values_array).max()
        assert ours.random_effects[column].to_numpy() == pytest.approx(
            values_array, abs=REL * scale
        )
