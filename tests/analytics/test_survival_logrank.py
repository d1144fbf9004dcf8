"""logrank against R's survdiff (tests/known_answers/survival_reference.R):

    test <- survdiff(Surv(time, event) ~ group, data = dataset)
    test$chisq, test$pvalue, test$n, test$obs, test$exp

for lung ~ sex, aml ~ x, veteran ~ trt, veteran ~ celltype (four groups), ovarian ~ rx and the
simulated 2,000 rows ~ group (three groups, integer days with heavy ties).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.survival import logrank
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
REFERENCE: dict[str, Any] = json.loads((KNOWN / "survival_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["logrank"]}
TIME_EVENT = {
    "lung": ("time", "status"),
    "ovarian": ("futime", "fustat"),
    "veteran": ("time", "status"),
    "aml": ("time", "status"),
    "simulated_ties": ("time", "event"),
}
REL = 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_chi_square_and_p_match_survdiff(name: str) -> None:
    case = CASES[name]
    frame = pd.read_csv(KNOWN / f"survival_{case['dataset']}.csv")
    time, event = TIME_EVENT[case["dataset"]]
    result = logrank(frame[time], frame[event], frame[case["group"]])
    assert result.chi_square == pytest.approx(case["chi_square"], rel=REL)
    assert result.df == case["df"]
    assert result.p == pytest.approx(case["p"], rel=REL, abs=1e-12)
    assert [str(label) for label in result.groups.index] == case["groups"]
    np.testing.assert_array_equal(result.groups["n"], case["n"])
    np.testing.assert_array_equal(result.groups["observed"], case["observed"])
    np.testing.assert_allclose(result.groups["expected"], case["expected"], rtol=REL, atol=0)


def test_the_r_script_covers_the_requested_comparisons() -> None:
    assert {"lung_sex", "aml_x", "veteran_trt"} <= set(CASES)


def test_identical_groups_give_no_evidence_of_a_difference() -> None:
    time = [1, 2, 3, 4, 5, 6] * 2
    event = [1, 0, 1, 1, 0, 1] * 2
    result = logrank(time, event, ["a"] * 6 + ["b"] * 6)
    assert result.chi_square == pytest.approx(0.0, abs=1e-12)
    assert result.p == pytest.approx(1.0)


def test_category_order_is_kept_and_unused_categories_dropped() -> None:
    group = pd.Series(pd.Categorical(["late", "early"] * 3, categories=["late", "none", "early"]))
    result = logrank([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0], group)
    assert list(result.groups.index) == ["late", "early"]


def test_a_single_group_is_refused() -> None:
    with pytest.raises(EmptyGroupError, match="at least two groups"):
        logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"])


def test_a_group_never_at_risk_at_an_event_is_refused() -> None:
    with pytest.raises(EmptyGroupError, match="at risk"):
        logrank([5, 6, 1, 2], [1, 1, 0, 0], ["a", "a", "b", "b"])


def test_a_missing_group_label_is_refused() -> None:
    with pytest.raises(RuleViolation, match="group: missing label at position 1"):
        logrank([1, 2, 3], [1, 0, 1], ["a", None, "b"])


def test_a_group_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(RuleViolation, match="same_length"):
        logrank([1, 2, 3], [1, 0, 1], ["a", "b"])
