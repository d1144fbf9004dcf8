"""Effect sizes against metafor's escalc() (tests/known_answers/meta_*.R) and the rules around
them: exclusions with reasons, continuity corrections, and errors that name the argument."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.meta import effect_size
from spinereg.analytics.meta.effect_sizes import hedges_correction
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"


def load(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    return (
        pd.read_csv(KNOWN / f"{name}.csv"),
        json.loads((KNOWN / f"{name}.json").read_text()),
    )


def as_floats(values: Any) -> np.ndarray:
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def assert_matches_r(actual: Any, expected: Any, rel: float = 1e-6) -> None:
    """Relative difference <= rel everywhere; NaN exactly where R has NA."""
    actual = np.asarray(actual, dtype=float)
    expected = as_floats(expected)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    present = ~np.isnan(expected)
    np.testing.assert_allclose(actual[present], expected[present], rtol=rel, atol=0)


def test_log_risk_ratios_match_escalc_on_bcg():
    """meta_bcg.R: escalc(measure = "RR", ai, n1i, ci, n2i) on dat.bcg."""
    frame, expected = load("meta_bcg")
    effects = effect_size(
        "RR", ai=frame.ai, n1i=frame.n1i, ci=frame.ci, n2i=frame.n2i, labels=list(frame.author)
    )
    assert_matches_r(effects.yi, expected["escalc"]["yi"])
    assert_matches_r(effects.vi, expected["escalc"]["vi"])
    assert effects.included.all()
    assert not effects.corrected.any()


@pytest.mark.parametrize(("drop00", "key"), [(False, "default"), (True, "drop00")])
def test_zero_cells_are_corrected_as_escalc_does(drop00, key):
    """meta_nielweise2007.R: escalc(measure = "RR", ai, n1i, ci, n2i, drop00 = drop00);
    add = 1/2 to every cell of a study with a zero cell (to = "only0")."""
    frame, expected = load("meta_nielweise2007")
    effects = effect_size(
        "RR", ai=frame.ai, n1i=frame.n1i, ci=frame.ci, n2i=frame.n2i, drop00=drop00
    )
    assert_matches_r(effects.yi, expected[key]["escalc"]["yi"])
    assert_matches_r(effects.vi, expected[key]["escalc"]["vi"])
    has_zero_cell = (frame.ai == 0) | (frame.ci == 0)
    double_zero = (frame.ai == 0) & (frame.ci == 0)
    assert list(effects.corrected) == list(has_zero_cell & ~(double_zero & drop00))


def test_a_double_zero_trial_is_kept_by_default_and_excluded_with_a_reason_under_drop00():
    frame, _ = load("meta_nielweise2007")
    kept = effect_size("RR", ai=frame.ai, n1i=frame.n1i, ci=frame.ci, n2i=frame.n2i)
    dropped = effect_size(
        "RR",
        ai=frame.ai,
        n1i=frame.n1i,
        ci=frame.ci,
        n2i=frame.n2i,
        drop00=True,
        labels=list(frame.author),
    )
    assert kept.included.all()
    (exclusion,) = dropped.exclusions
    assert exclusion.label == "Yucel"
    assert "no events" in exclusion.reason
    assert "drop00" in exclusion.reason
    assert "Yucel" not in dropped.included_labels


@pytest.mark.parametrize("measure", ["MD", "SMD"])
def test_mean_differences_match_escalc_on_normand1999(measure):
    """meta_normand1999.R: escalc(measure, m1i, sd1i, n1i, m2i, sd2i, n2i) (vtype = "LS");
    SMD uses the exact gamma-function correction."""
    frame, expected = load("meta_normand1999")
    effects = effect_size(
        measure,
        m1i=frame.m1i,
        sd1i=frame.sd1i,
        n1i=frame.n1i,
        m2i=frame.m2i,
        sd2i=frame.sd2i,
        n2i=frame.n2i,
    )
    assert_matches_r(effects.yi, expected[measure]["escalc"]["yi"])
    assert_matches_r(effects.vi, expected[measure]["escalc"]["vi"])


@pytest.mark.parametrize("measure", ["PR", "PLO"])
def test_proportions_match_escalc_on_pritz1997(measure):
    """meta_pritz1997.R: escalc(measure, xi, ni); studies with every patient an event get 1/2
    added to events and non-events, for PR as well as PLO."""
    frame, expected = load("meta_pritz1997")
    effects = effect_size(measure, xi=frame.xi, ni=frame.ni)
    assert_matches_r(effects.yi, expected[measure]["escalc"]["yi"])
    assert_matches_r(effects.vi, expected[measure]["escalc"]["vi"])
    assert list(effects.corrected) == list(frame.xi == frame.ni)


@pytest.mark.parametrize("measure", ["MC", "SMCR"])
def test_pre_post_changes_match_escalc(measure):
    """meta_prepost.R: escalc(measure, m1i = m_post, m2i = m_pre, sd1i = sd_pre,
    sd2i = sd_post, ni, ri)."""
    frame, expected = load("meta_prepost")
    effects = effect_size(
        measure,
        m1i=frame.m_post,
        m2i=frame.m_pre,
        sd1i=frame.sd_pre,
        sd2i=frame.sd_post,
        ni=frame.ni,
        ri=frame.ri,
    )
    assert_matches_r(effects.yi, expected[measure]["escalc"]["yi"])
    assert_matches_r(effects.vi, expected[measure]["escalc"]["vi"])


def test_hedges_correction_is_the_exact_gamma_ratio():
    degrees = np.array([2.0, 10.0, 50.0, 1000.0])
    approximate = 1 - 3 / (4 * degrees - 1)  # Hedges' approximation, close for large m
    exact = hedges_correction(degrees)
    assert exact[0] == pytest.approx(1 / np.sqrt(np.pi), rel=1e-12)  # Γ(1) / (1 · Γ(1/2))
    assert np.all(np.diff(exact) > 0)
    assert np.all(exact < 1)
    assert exact[-1] == pytest.approx(approximate[-1], rel=1e-7)
    assert abs(exact[0] - approximate[0]) > 1e-3
    assert np.isnan(hedges_correction(np.array([1.0]))[0])


def test_a_row_with_a_missing_sd_is_excluded_and_named():
    effects = effect_size(
        "MD",
        m1i=[10.0, 12.0, 9.0],
        sd1i=[2.0, np.nan, 3.0],
        n1i=[20, 25, 30],
        m2i=[11.0, 14.0, 10.0],
        sd2i=[2.5, 3.0, 3.0],
        n2i=[20, 25, 30],
        labels=["a", "b", "c"],
    )
    assert list(effects.included) == [True, False, True]
    assert effects.included_labels == ("a", "c")
    assert [(e.row, e.label, e.reason) for e in effects.exclusions] == [(1, "b", "sd1i missing")]
    assert np.isnan(effects.yi[1])
    assert np.isnan(effects.vi[1])
    assert effects.included_yi == pytest.approx([-1.0, -1.0])


def test_the_pre_post_correlation_is_a_required_assumption():
    with pytest.raises(RuleViolation) as raised:
        effect_size("SMCR", m1i=[20.0], m2i=[50.0], sd1i=[12.0], ni=[30])
    assert raised.value.field == "ri"
    assert raised.value.rule == "required"


def test_a_scalar_correlation_applies_to_every_study():
    effects = effect_size(
        "MC",
        m1i=[20.0, 25.0],
        m2i=[50.0, 52.0],
        sd1i=[12.0, 10.0],
        sd2i=[14.0, 11.0],
        ni=[30, 40],
        ri=0.5,
    )
    expected_vi = (
        np.array([12.0, 10.0]) ** 2
        + np.array([14.0, 11.0]) ** 2
        - 2 * 0.5 * np.array([12.0, 10.0]) * np.array([14.0, 11.0])
    ) / [30, 40]
    assert effects.vi == pytest.approx(expected_vi, rel=1e-12)


@pytest.mark.parametrize(
    ("arguments", "field", "rule"),
    [
        ({"sd1i": [-1.0, 2.0]}, "sd1i", "non_negative"),
        ({"n2i": [0, 10]}, "n2i", "positive"),
        ({"m2i": [1.0, 2.0, 3.0]}, "m2i", "same_length"),
    ],
)
def test_impossible_inputs_raise_naming_the_argument(arguments, field, rule):
    inputs = {
        "m1i": [1.0, 2.0],
        "sd1i": [1.0, 1.0],
        "n1i": [10, 10],
        "m2i": [0.0, 0.0],
        "sd2i": [1.0, 1.0],
        "n2i": [10, 10],
    } | arguments
    with pytest.raises(RuleViolation) as raised:
        effect_size("SMD", **inputs)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_events_above_the_group_size_raise():
    with pytest.raises(RuleViolation) as raised:
        effect_size("RR", ai=[12], n1i=[10], ci=[1], n2i=[10])
    assert raised.value.field == "ai"


def test_an_unknown_measure_is_refused():
    with pytest.raises(RuleViolation) as raised:
        effect_size("OR", ai=[1], n1i=[10], ci=[1], n2i=[10])
    assert raised.value.field == "measure"


def test_tables_given_as_four_cells_match_escalc_on_bcg():
    """escalc(ai, bi, ci, di) is the same table as (ai, n1i, ci, n2i): bi = n1i - ai."""
    frame, expected = load("meta_bcg")
    result = effect_size(
        "RR",
        ai=frame.ai,
        bi=frame.n1i - frame.ai,
        ci=frame.ci,
        di=frame.n2i - frame.ci,
    )
    assert_matches_r(result.yi, expected["escalc"]["yi"])
    assert_matches_r(result.vi, expected["escalc"]["vi"])


@pytest.mark.parametrize("measure", ["PR", "PLO"])
def test_proportions_given_as_events_and_non_events_match_escalc(measure):
    frame, expected = load("meta_pritz1997")
    result = effect_size(measure, xi=frame.xi, mi=frame.ni - frame.xi)
    assert_matches_r(result.yi, expected[measure]["escalc"]["yi"])
    assert_matches_r(result.vi, expected[measure]["escalc"]["vi"])


def test_cells_that_disagree_with_the_arm_size_raise():
    with pytest.raises(RuleViolation, match="n1i differs from events \\+ bi") as error:
        effect_size("RR", ai=[4], bi=[119], n1i=[100], ci=[11], di=[128])
    assert error.value.rule == "consistent_counts"
