"""The pure synthesis over the literature table (no database): what is pooled, what is not and
why, and the registry's own row checked against R."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.meta import random_effects, read_literature
from spinereg.analytics.meta.synthesis import pool_figure, registry_outcome, synthesize
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


def test_the_forest_plot_prints_the_registry_row_as_not_pooled(synthesis):
    pool = _pool(synthesis, "odi_12mo_PLO")
    row = registry_outcome(
        np.array([50.0, 60, 55]), np.array([30.0, 58, 40]), outcome="odi", timepoint_months=12,
        responder_improvement=10, label="North",
    )  # fmt: skip
    figure = pool_figure(pool, [row])
    texts = [text.get_text() for text in figure.texts]
    assert any("North (this clinic, not pooled), n = 3" in text for text in texts)


def test_an_unpooled_question_has_no_figure(synthesis):
    with pytest.raises(RuleViolation, match="fewer than two studies"):
        pool_figure(_pool(synthesis, "odi_3mo_PLO"))
