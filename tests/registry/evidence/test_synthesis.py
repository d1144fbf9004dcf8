"""The pure synthesis over the literature table (no database): what is pooled, what is not and
why, and the registry's own row checked against R."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.meta import random_effects, read_literature
from spinereg.analytics.meta.registry_rows import registry_outcome
from spinereg.analytics.meta.synthesis import pool_figure, synthesize
from spinereg.core.errors import RuleViolation

ROOT = Path(__file__).parents[3]
PACKAGED_CSV = ROOT / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
KNOWN = ROOT / "tests/known_answers"


@pytest.fixture(scope="module")
def synthesis():
    return synthesize(read_literature(PACKAGED_CSV))


def _pool(synthesis, key):
    return next(pool for pool in synthesis.pools if pool.key == key)


def test_odi_responders_at_12_months_pool_two_bmac_series(synthesis):
    pool = _pool(synthesis, "odi_12mo_PLO")
    assert pool.k == 2
    assert pool.result is not None
    again = random_effects(pool.yi, pool.vi)
    assert pool.result.estimate == pytest.approx(again.estimate, rel=1e-12)
    assert 0 < pool.displayed(pool.result.estimate) < 1


def test_one_study_is_not_pooled_and_says_why(synthesis):
    pool = _pool(synthesis, "odi_3mo_PLO")
    assert pool.result is None
    assert pool.not_pooled_reason == "fewer than two studies (k = 1): nothing pooled"


def test_no_sd_means_no_mean_difference_and_every_row_is_listed(synthesis):
    pool = _pool(synthesis, "odi_12mo_MD")
    assert pool.result is None
    assert pool.not_pooled_reason == "no study reports what this question needs"
    assert not pool.excluded.empty
    assert pool.excluded.reason.str.len().gt(0).all()
    assert synthesis.excluded.question.str.contains("ODI").any()


def test_a_missing_sd_is_named_as_the_reason(synthesis):
    pool = _pool(synthesis, "odi_12mo_MD")
    levi = pool.excluded.loc[pool.excluded.study_id == "levi2025", "reason"]
    assert set(levi) == {"treated mean, treated sd, control mean, control sd missing"}


def test_the_duplicate_pettine_cohort_is_excluded_with_its_reason(synthesis):
    reasons = synthesis.excluded.loc[synthesis.excluded.study_id == "pettine2016", "reason"]
    assert reasons.str.startswith("duplicate cohort").any()


def test_counts_by_condition_come_from_the_table(synthesis):
    frame = read_literature(PACKAGED_CSV)
    discogenic = frame[(frame.condition == "discogenic") & (frame.design != "systematic_review")]
    assert synthesis.studies_by_condition["discogenic"] == discogenic.study_id.nunique()


def test_the_registry_row_matches_r():
    """Rscript tests/known_answers/evidence_registry_row.R (t.test, prop.test correct=FALSE)."""
    data = pd.read_csv(KNOWN / "evidence_registry_row.csv")
    expected = json.loads((KNOWN / "evidence_registry_row.json").read_text())
    row = registry_outcome(
        data.baseline,
        data.follow_up,
        outcome="odi",
        timepoint_months=12,
        responder_improvement=10,
        label="North",
    )
    assert row.responders == expected["responders"]
    for name in ("mean_change", "change_ci_lower", "change_ci_upper"):
        assert getattr(row, name) == pytest.approx(expected[name], rel=1e-6)
    assert row.share_ci_lower == pytest.approx(expected["share_ci_lower"], rel=1e-6)
    assert row.share_ci_upper == pytest.approx(expected["share_ci_upper"], rel=1e-6)


def test_a_registry_row_needs_two_pairs():
    with pytest.raises(RuleViolation, match="two finite"):
        registry_outcome(
            [50.0], [30.0], outcome="odi", timepoint_months=3, responder_improvement=10, label="x"
        )


def _beside_markers(figure):
    """The open circles the forest plot draws for rows beside the pool."""
    plot = figure.axes[1]
    return [line for line in plot.lines if line.get_marker() == "o"]


def test_the_registry_row_is_plotted_beside_the_pool_and_not_pooled(synthesis):
    pool = _pool(synthesis, "odi_12mo_PLO")
    row = registry_outcome(
        np.array([50.0, 60, 55]), np.array([30.0, 58, 40]), outcome="odi", timepoint_months=12,
        responder_improvement=10, label="North",
    )  # fmt: skip
    later = registry_outcome(
        np.array([50.0, 60]), np.array([20.0, 30]), outcome="odi", timepoint_months=24,
        responder_improvement=10, label="North 24",
    )  # fmt: skip
    figure = pool_figure(pool, [row, later])
    texts = [text.get_text() for axes in figure.axes for text in axes.texts]
    assert "This registry (not pooled)" in texts
    assert "North" in texts
    assert any("Registry responders: improvement >= 10 points" in text for text in texts)
    assert "not pooled" in texts
    assert not any("North 24" in text for text in texts)  # another time point
    (marker,) = _beside_markers(figure)
    assert marker.get_xdata()[0] == pytest.approx(2 / 3)  # two of three improved >= 10
    # The pooled numbers are the literature's alone.
    pooled = pool.displayed(random_effects(pool.yi, pool.vi).estimate)
    assert any(text.startswith(f"{pooled:.2f} [") for text in texts)


def test_a_registry_mean_change_is_listed_but_not_drawn_on_a_difference_axis():
    frame = read_literature(PACKAGED_CSV)
    trials = pd.DataFrame(
        [
            {**frame.iloc[0].to_dict(), "study_id": f"trial{i}", "first_author": f"Trial{i}",
             "design": "rct", "product": product, "outcome": "odi", "timepoint_months": 12.0,
             "arm": product, "n": 20, "mean": mean, "sd": 12.0, "scale_max": 100.0,
             "source_row": 1000 + 2 * i + (product == "saline")}
            for i, (treated_mean, control_mean) in enumerate([(30.0, 38.0), (28.0, 33.0)])
            for product, mean in (("bmac", treated_mean), ("saline", control_mean))
        ]
    )  # fmt: skip
    pool = _pool(synthesize(trials), "odi_12mo_MD")
    assert pool.result is not None, pool.not_pooled_reason
    row = registry_outcome(
        np.array([50.0, 60, 55]), np.array([30.0, 58, 40]), outcome="odi", timepoint_months=12,
        responder_improvement=10, label="North",
    )  # fmt: skip
    figure = pool_figure(pool, [row])
    texts = [text.get_text() for axes in figure.axes for text in axes.texts]
    assert "North, mean change" in texts
    assert any("not drawn" in text for text in texts)
    assert _beside_markers(figure) == []


def test_an_unpooled_question_has_no_figure(synthesis):
    with pytest.raises(RuleViolation, match="fewer than two studies"):
        pool_figure(_pool(synthesis, "odi_3mo_PLO"))
