"""random_effects() against metafor's rma() + predict() + weights() for every measure x
method x test (tests/known_answers/meta_*.R), and its input rules."""

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereg.analytics.meta import MetaAnalysisWarning, random_effects
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"
REPORTED = (
    "estimate", "se", "statistic", "ci_lower", "ci_upper", "pval", "tau2", "se_tau2",
    "i2", "h2", "q", "q_pval", "pi_lower", "pi_upper", "weights",
)  # fmt: skip


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


def known_cases() -> list[Any]:
    """(dataset, measure, method, test) for every fit the R scripts wrote."""
    sources = {
        "meta_bcg": {"RR": lambda answers: answers},
        "meta_normand1999": {m: (lambda answers, m=m: answers[m]) for m in ("MD", "SMD")},
        "meta_pritz1997": {m: (lambda answers, m=m: answers[m]) for m in ("PR", "PLO")},
        "meta_prepost": {m: (lambda answers, m=m: answers[m]) for m in ("MC", "SMCR")},
        "meta_nielweise2007": {
            f"RR {key}": (lambda answers, key=key: answers[key]) for key in ("default", "drop00")
        },
    }
    cases = []
    for name, measures in sources.items():
        answers = json.loads((KNOWN / f"{name}.json").read_text())
        for measure, pick in measures.items():
            block = pick(answers)
            for key, expected in block["fits"].items():
                method, test = key.split("_")
                yi, vi = as_floats(block["escalc"]["yi"]), as_floats(block["escalc"]["vi"])
                keep = ~np.isnan(yi)
                cases.append(
                    pytest.param(
                        yi[keep], vi[keep], method, test, expected, id=f"{name}-{measure}-{key}"
                    )
                )
    return cases


@pytest.mark.parametrize(("yi", "vi", "method", "test", "expected"), known_cases())
def test_pooled_results_match_metafor(yi, vi, method, test, expected):
    """From meta_*.R (versions in each JSON):

    res <- rma(yi, vi, method = method, test = test)   # on escalc()'s yi, vi
    predict(res)$pi.lb, predict(res)$pi.ub; weights(res)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaAnalysisWarning)  # FE + knha: metafor warns too
        result = random_effects(yi, vi, method=method, test=test)
    assert result.k == expected["k"]
    assert result.q_df == expected["q_df"]
    assert result.df == (None if expected["df"] is None else int(expected["df"]))
    for field in REPORTED:
        assert_matches_r(getattr(result, field), expected[field])


@pytest.mark.parametrize(
    ("name", "measure"),
    [("meta_bcg", None), ("meta_normand1999", "MD"), ("meta_normand1999", "SMD")],
)
def test_reml_with_a_tight_tolerance_matches_rma_with_a_tight_threshold(name, measure):
    """meta_bcg.R / meta_normand1999.R:
    rma(yi, vi, method = "REML", control = list(threshold = 1e-10))."""
    answers = json.loads((KNOWN / f"{name}.json").read_text())
    block = answers if measure is None else answers[measure]
    expected = block["fits_tight"]["REML_z"]
    yi, vi = as_floats(block["escalc"]["yi"]), as_floats(block["escalc"]["vi"])
    result = random_effects(yi, vi, method="REML", tau2_tolerance=1e-10)
    for field in REPORTED:
        assert_matches_r(getattr(result, field), expected[field])


def test_metafor_default_stopping_rule_is_kept_rather_than_polished():
    """The default tolerance reproduces rma()'s own iterate; polishing it further moves tau²
    away from what R prints (here by more than rounding, less than the 1e-6 target)."""
    answers = json.loads((KNOWN / "meta_bcg.json").read_text())
    yi, vi = as_floats(answers["escalc"]["yi"]), as_floats(answers["escalc"]["vi"])
    default = random_effects(yi, vi)
    tight = random_effects(yi, vi, tau2_tolerance=1e-12)
    assert default.tau2 == pytest.approx(answers["fits"]["REML_z"]["tau2"], rel=1e-12)
    assert tight.tau2 == pytest.approx(answers["fits_tight"]["REML_z"]["tau2"], rel=1e-9)
    assert default.tau2 != tight.tau2


def test_weights_are_percent_and_favour_precise_studies():
    result = random_effects([0.1, 0.3, 0.2], [0.01, 0.04, 0.09], method="DL")
    assert result.weights.sum() == pytest.approx(100.0)
    assert list(np.argsort(-result.weights)) == [0, 1, 2]


def test_a_common_effect_model_has_no_prediction_interval_and_i2_from_q():
    result = random_effects([0.1, 0.5, 0.2, 0.9], [0.01, 0.04, 0.09, 0.02], method="FE")
    assert result.tau2 == 0
    assert np.isnan(result.pi_lower)
    assert np.isnan(result.pi_upper)
    assert result.i2 == pytest.approx(max(0.0, 100 * (result.q - 3) / result.q))
    assert result.h2 == pytest.approx(result.q / 3)


def test_ee_is_accepted_as_the_common_effect_model():
    assert random_effects([0.1, 0.4], [0.02, 0.03], method="EE").method == "FE"


def test_knapp_hartung_with_a_common_effect_model_warns_as_metafor_does():
    with pytest.warns(MetaAnalysisWarning, match="Knapp & Hartung"):
        random_effects([0.1, 0.4, 0.3], [0.02, 0.03, 0.01], method="FE", test="knha")


@pytest.mark.parametrize(
    ("yi", "vi", "field", "rule"),
    [
        ([0.2], [0.1], "yi", "min_studies"),
        ([0.2, 0.3], [0.1], "vi", "same_length"),
        ([0.2, 0.3], [0.1, 0.0], "vi", "positive_finite"),
        ([0.2, 0.3], [0.1, -0.2], "vi", "positive_finite"),
        ([0.2, 0.3], [0.1, float("nan")], "vi", "positive_finite"),
        ([0.2, float("nan")], [0.1, 0.1], "yi", "finite"),
        ([[0.2, 0.3]], [0.1, 0.1], "yi", "one_dimensional"),
    ],
)
def test_bad_input_raises_naming_the_argument(yi, vi, field, rule):
    with pytest.raises(RuleViolation) as raised:
        random_effects(yi, vi)
    assert (raised.value.field, raised.value.rule) == (field, rule)
    assert field in str(raised.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"method": "PM"}, "method"), ({"test": "t"}, "test"), ({"conf_level": 95}, "conf_level")],
)
def test_unknown_options_are_refused(options, field):
    with pytest.raises(RuleViolation) as raised:
        random_effects([0.1, 0.2], [0.01, 0.02], **options)
    assert raised.value.field == field


def test_reml_that_cannot_converge_says_so():
    from spinereg.analytics.meta import ConvergenceError

    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.2, 30)
    yi = rng.normal(0, np.sqrt(vi + 0.3))
    with pytest.raises(ConvergenceError, match="did not converge"):
        random_effects(yi, vi, max_iterations=1, tau2_tolerance=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    studies=st.lists(
        st.tuples(
            st.floats(-3, 3, allow_nan=False),
            st.floats(0.005, 2.0, allow_nan=False),
        ),
        min_size=2,
        max_size=25,
    ),
    shift=st.floats(-5, 5, allow_nan=False),
    method=st.sampled_from(["FE", "DL", "REML"]),
)
def test_shifting_every_effect_shifts_the_estimate_and_nothing_else(studies, shift, method):
    yi = np.array([y for y, _ in studies])
    vi = np.array([v for _, v in studies])
    before = random_effects(yi, vi, method=method)
    after = random_effects(yi + shift, vi, method=method)
    assert after.estimate == pytest.approx(before.estimate + shift, abs=1e-9)
    assert after.se == pytest.approx(before.se, rel=1e-9)
    assert after.tau2 == pytest.approx(before.tau2, rel=1e-7, abs=1e-10)
    assert after.weights == pytest.approx(before.weights, rel=1e-7)
    assert after.weights.sum() == pytest.approx(100.0)
    assert 0 <= after.i2 < 100
