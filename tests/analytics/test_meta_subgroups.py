"""Subgroups, leave-one-out, cumulative analysis, Egger's test and the pre-post correlation
sensitivity analysis against metafor (tests/known_answers/meta_bcg.R, meta_prepost.R)."""

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.meta import (
    MetaAnalysisWarning,
    cumulative,
    effect_size,
    egger_test,
    leave_one_out,
    sensitivity_over_correlation,
    subgroup_analysis,
)
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"
BCG = json.loads((KNOWN / "meta_bcg.json").read_text())
BCG_FRAME = pd.read_csv(KNOWN / "meta_bcg.csv")
PREPOST = json.loads((KNOWN / "meta_prepost.json").read_text())
PREPOST_FRAME = pd.read_csv(KNOWN / "meta_prepost.csv")
KEYS = [f"{method}_{test}" for method in ("FE", "DL", "REML") for test in ("z", "knha")]
# leave1out()/cumul() column -> our DataFrame column
LIST_COLUMNS = {
    "estimate": "estimate", "se": "se", "zval": "statistic", "pval": "pval",
    "ci.lb": "ci_lower", "ci.ub": "ci_upper", "Q": "q", "Qp": "q_pval",
    "tau2": "tau2", "I2": "i2", "H2": "h2",
}  # fmt: skip


def as_floats(values: Any) -> np.ndarray:
    values = values if isinstance(values, list) else [values]
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def assert_matches_r(actual: Any, expected: Any, rel: float = 1e-6) -> None:
    """Relative difference <= rel; |actual| <= 1e-12 where R has exactly 0; NaN where R has NA."""
    actual = np.atleast_1d(np.asarray(actual, dtype=float))
    expected = as_floats(expected)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    zero = expected == 0
    assert np.all(np.abs(actual[zero]) <= 1e-12)
    other = ~np.isnan(expected) & ~zero
    np.testing.assert_allclose(actual[other], expected[other], rtol=rel, atol=0)


def bcg_effects() -> tuple[np.ndarray, np.ndarray]:
    return as_floats(BCG["escalc"]["yi"]), as_floats(BCG["escalc"]["vi"])


def split(key: str) -> tuple[str, str]:
    method, test = key.split("_")
    return method, test


@pytest.fixture(autouse=True)
def _fe_knha_is_warned_about_elsewhere():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaAnalysisWarning)
        yield


@pytest.mark.parametrize("key", KEYS)
def test_subgroup_fits_and_tests_match_metafor(key):
    """meta_bcg.R, by allocation method (alternate, random, systematic):

    rma(yi, vi, method, test, subset = alloc == g)              # per subgroup
    rma(estimates, sei = ses, method = "FE")$QE, $QEp             # q_between
    rma(yi, vi, mods = ~ factor(alloc), method, test)$QM, $QMp    # moderator test
    """
    method, test = split(key)
    yi, vi = bcg_effects()
    expected = BCG["subgroups"][key]
    result = subgroup_analysis(yi, vi, BCG_FRAME.alloc, method=method, test=test)
    assert sorted(result.groups) == sorted(BCG["groups"])
    for group, group_expected in expected["groups"].items():
        fitted = result.groups[group]
        assert fitted.k == group_expected["k"]
        for field in ("estimate", "se", "ci_lower", "ci_upper", "pval", "tau2", "i2", "h2",
                      "q", "q_pval", "pi_lower", "pi_upper", "weights"):  # fmt: skip
            assert_matches_r(getattr(fitted, field), group_expected[field])
    assert result.q_between_df == expected["q_between_df"] == 2
    assert_matches_r(result.q_between, expected["q_between"])
    assert_matches_r(result.q_between_pval, expected["q_between_pval"])
    assert result.moderator is not None
    assert result.moderator.qm_df == expected["qm_df"]
    assert result.moderator.qm_df_residual == (None if test == "z" else expected["qm_df2"])
    assert_matches_r(result.moderator.qm, expected["qm"])
    assert_matches_r(result.moderator.qm_pval, expected["qm_pval"])
    assert_matches_r(result.moderator.tau2, expected["qm_tau2"])


def test_subgroups_keep_the_order_they_first_appear_in_and_report_the_overall_model():
    yi, vi = bcg_effects()
    result = subgroup_analysis(yi, vi, BCG_FRAME.alloc)
    assert list(result.groups) == list(dict.fromkeys(BCG_FRAME.alloc))
    assert_matches_r(result.overall.estimate, BCG["fits"]["REML_z"]["estimate"])


def test_one_subgroup_is_not_a_subgroup_analysis():
    with pytest.raises(RuleViolation) as raised:
        subgroup_analysis([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], ["a", "a", "a"])
    assert (raised.value.field, raised.value.rule) == ("groups", "min_groups")


def test_groups_must_align_with_the_studies():
    with pytest.raises(RuleViolation) as raised:
        subgroup_analysis([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], ["a", "b"])
    assert raised.value.field == "groups"


@pytest.mark.parametrize("key", KEYS)
def test_leave_one_out_matches_leave1out(key):
    """meta_bcg.R: leave1out(rma(yi, vi, method, test)) (FE has no tau2 column in R)."""
    method, test = split(key)
    yi, vi = bcg_effects()
    table = leave_one_out(yi, vi, method=method, test=test, labels=list(BCG_FRAME.author))
    assert list(table.omitted) == list(BCG_FRAME.author)
    for column, values in BCG["leave1out"][key].items():
        assert_matches_r(table[LIST_COLUMNS[column]], values)


@pytest.mark.parametrize("key", KEYS)
def test_cumulative_matches_cumul_ordered_by_year(key):
    """meta_bcg.R: cumul(rma(yi, vi, method, test), order = year); its first row is a
    one-study fit, for which metafor switches to the z test."""
    method, test = split(key)
    yi, vi = bcg_effects()
    table = cumulative(yi, vi, BCG_FRAME.year, method=method, test=test)
    assert list(table.k) == list(range(1, 14))
    expected_order = [BCG_FRAME.author[row - 1] for row in BCG["cumul_order"]]
    labelled = cumulative(yi, vi, BCG_FRAME.year, labels=list(BCG_FRAME.author))
    assert list(labelled.added) == expected_order
    for column, values in BCG["cumul"][key].items():
        assert_matches_r(table[LIST_COLUMNS[column]], values)


@pytest.mark.parametrize("key", KEYS)
def test_egger_test_matches_regtest(key):
    """meta_bcg.R: regtest(rma(yi, vi, method, test)) with model = "rma", predictor = "sei"."""
    method, test = split(key)
    yi, vi = bcg_effects()
    expected = BCG["regtest"][key]
    result = egger_test(yi, vi, method=method, test=test)
    assert result.df == (None if expected["df"] is None else int(expected["df"]))
    for field in ("statistic", "pval", "limit_estimate", "limit_ci_lower", "limit_ci_upper",
                  "tau2"):  # fmt: skip
        assert_matches_r(getattr(result, field), expected[field])


def test_egger_test_refuses_fewer_than_ten_studies():
    yi, vi = bcg_effects()
    with pytest.raises(RuleViolation) as raised:
        egger_test(yi[:9], vi[:9])
    assert (raised.value.field, raised.value.rule) == ("yi", "min_studies_egger")
    assert "10" in raised.value.message


@pytest.mark.parametrize("measure", ["MC", "SMCR"])
@pytest.mark.parametrize("key", ["DL_z", "DL_knha", "REML_z", "REML_knha"])
def test_sensitivity_over_correlation_matches_refits_with_each_r(measure, key):
    """meta_prepost.R: for r in c(0.3, 0.5, 0.7):
    rma(escalc(measure, m1i = m_post, m2i = m_pre, sd1i = sd_pre, sd2i = sd_post, ni,
    ri = r), method, test)."""
    method, test = split(key)
    table = sensitivity_over_correlation(
        measure,
        m1i=PREPOST_FRAME.m_post,
        m2i=PREPOST_FRAME.m_pre,
        sd1i=PREPOST_FRAME.sd_pre,
        sd2i=PREPOST_FRAME.sd_post,
        ni=PREPOST_FRAME.ni,
        method=method,
        test=test,
    )
    expected = PREPOST[measure]["sensitivity"]
    assert list(table.r) == [block["r"] for block in expected] == [0.3, 0.5, 0.7]
    for column in ("estimate", "se", "ci_lower", "ci_upper", "pval", "tau2", "i2",
                   "pi_lower", "pi_upper"):  # fmt: skip
        assert_matches_r(table[column], [block["fits"][key][column] for block in expected])


def test_a_higher_assumed_correlation_narrows_the_mean_change_interval():
    table = sensitivity_over_correlation(
        "MC",
        m1i=PREPOST_FRAME.m_post,
        m2i=PREPOST_FRAME.m_pre,
        sd1i=PREPOST_FRAME.sd_pre,
        sd2i=PREPOST_FRAME.sd_post,
        ni=PREPOST_FRAME.ni,
        method="FE",
    )
    widths = table.ci_upper - table.ci_lower
    assert widths.is_monotonic_decreasing


def test_the_correlation_only_matters_for_pre_post_measures():
    with pytest.raises(RuleViolation) as raised:
        sensitivity_over_correlation("MD", m1i=[1.0], m2i=[0.0], sd1i=[1.0], ni=[10])
    assert raised.value.field == "measure"


def test_excluded_pre_post_rows_stay_out_of_every_fit():
    frame = PREPOST_FRAME.copy()
    frame.loc[0, "sd_pre"] = np.nan
    table = sensitivity_over_correlation(
        "SMCR", m1i=frame.m_post, m2i=frame.m_pre, sd1i=frame.sd_pre, ni=frame.ni
    )
    assert set(table.k) == {len(frame) - 1}
    effects = effect_size(
        "SMCR", m1i=frame.m_post, m2i=frame.m_pre, sd1i=frame.sd_pre, ni=frame.ni, ri=0.5
    )
    assert effects.exclusions[0].reason == "sd1i missing"
