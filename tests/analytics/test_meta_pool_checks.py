"""Sensitivity checks of a pooled question: wired to the metafor-exact engine, shown on the
displayed scale, and every check the pool is too small for named with its reason."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from spinereg.analytics.meta import (
    cumulative,
    egger_test,
    leave_one_out,
    read_literature,
    subgroup_analysis,
)
from spinereg.analytics.meta.pool_checks import checks_text, pool_checks
from spinereg.analytics.meta.synthesis import synthesize

PACKAGED_CSV = (
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)
DESIGNS = ("rct", "prospective_cohort", "retrospective_cohort")


@pytest.fixture(scope="module")
def twelve_series():
    """Twelve single-arm BMAC responder series at 12 months (made up), of both conditions and
    three designs, published 2012-2023."""
    template = read_literature(PACKAGED_CSV).iloc[0].to_dict()
    rng = np.random.default_rng(5)
    rows = []
    for index in range(12):
        n = int(rng.integers(20, 80))
        rows.append(
            {**template, "study_id": f"series{index}", "first_author": f"Author{index}",
             "year": 2023 - index, "design": DESIGNS[index % 3],
             "condition": "discogenic" if index % 2 else "facet", "product": "bmac",
             "arm": "bmac", "outcome": "odi", "timepoint_months": 12.0, "n": n,
             "responders": float(rng.binomial(n, 0.55)), "mean": np.nan, "sd": np.nan,
             "responder_definition": "ODI improvement >= 30%", "notes": "",
             "source_row": 100 + index}
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    return next(pool for pool in synthesize(frame).pools if pool.key == "odi_12mo_PLO")


def test_subgroups_by_each_factor_match_the_engine(twelve_series):
    pool = twelve_series
    assert pool.k == 12
    checks = pool_checks(pool)
    for factor, groups in (("condition", pool.conditions), ("design", pool.designs)):
        expected = subgroup_analysis(pool.yi, pool.vi, groups)
        rows = checks.subgroups[checks.subgroups.factor == factor]
        assert len(rows) == len(expected.groups)
        for row in rows.itertuples():
            fit = expected.groups[row.group]
            assert row.estimate == pytest.approx(expit(fit.estimate), rel=1e-12)  # a proportion
            assert row.q_between == pytest.approx(expected.q_between, rel=1e-12)
    assert "subgroups by product: every study has the same (bmac)" in checks.not_run


def test_leave_one_out_cumulative_by_year_and_egger(twelve_series):
    pool = twelve_series
    checks = pool_checks(pool)
    expected = leave_one_out(pool.yi, pool.vi, labels=pool.labels)
    assert np.allclose(checks.leave_one_out.estimate, expit(expected.estimate), rtol=1e-12)
    by_year = cumulative(pool.yi, pool.vi, order=np.asarray(pool.years), labels=pool.labels)
    assert list(checks.cumulative.year) == sorted(pool.years)  # oldest first
    assert list(checks.cumulative.added) == list(by_year.added)
    assert checks.cumulative.estimate.iloc[-1] == pytest.approx(
        expit(pool.result.estimate), rel=1e-9
    )
    assert checks.egger.pval == pytest.approx(egger_test(pool.yi, pool.vi).pval, rel=1e-12)
    text = " ".join(checks_text(checks))
    assert "By design:" in text
    assert "Egger's test: z = " in text


def test_a_two_study_pool_names_what_it_cannot_check():
    synthesis = synthesize(read_literature(PACKAGED_CSV))
    pool = next(pool for pool in synthesis.pools if pool.key == "odi_12mo_PLO")
    checks = pool_checks(pool)
    assert checks.leave_one_out is None
    assert checks.egger is None
    reasons = " ".join(checks.not_run)
    assert "leave-one-out: 2 studies; it needs at least 3" in reasons
    assert "Egger's test: 2 studies; it needs at least 10" in reasons
    assert len(checks.cumulative) == 2


def test_an_unpooled_question_gives_its_reason():
    synthesis = synthesize(read_literature(PACKAGED_CSV))
    pool = next(pool for pool in synthesis.pools if pool.result is None)
    assert pool_checks(pool).not_run == [pool.not_pooled_reason]
