"""completion_by_visit and followed_vs_lost against R (tests/known_answers/report_attrition.R):

prop.test(completed, completed + missed, correct = FALSE)$conf.int
t.test(x[followed], x[!followed]);  chisq.test(table(x, followed), correct = FALSE)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spinereg.analytics.attrition import completion_by_visit, followed_vs_lost
from spinereg.analytics.exceptions import EmptyGroupError, MissingColumnError

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "report_attrition.json").read_text())
EPISODES = pd.read_csv(KNOWN / "report_attrition_episodes.csv")
FOLLOWUP = pd.read_csv(KNOWN / "report_attrition_followup.csv")
REL = 1e-6


def test_completion_by_visit_matches_r() -> None:
    table = completion_by_visit(FOLLOWUP)
    expected = pd.DataFrame(EXPECTED["completion"])
    assert table["visit"].tolist() == ["3mo", "12mo", "24mo"]
    for column in ("completed", "missed", "pending", "not_expected"):
        assert table[column].tolist() == expected[column].tolist()
    assert table["lower"].to_numpy() == pytest.approx(expected["lower"].to_numpy(), rel=REL)
    assert table["upper"].to_numpy() == pytest.approx(expected["upper"].to_numpy(), rel=REL)


@pytest.fixture(scope="module")
def comparison() -> pd.DataFrame:
    return followed_vs_lost(
        EPISODES, FOLLOWUP, "12mo", ["age_at_index", "baseline_odi"], ["sex", "condition"]
    )


@pytest.mark.parametrize("name", ["age_at_index", "baseline_odi"])
def test_welch_tests_match_t_test(comparison: pd.DataFrame, name: str) -> None:
    row = comparison.loc[comparison["characteristic"] == name].iloc[0]
    expected = EXPECTED[name]
    assert row["n_followed"] == EXPECTED["followed"]
    assert row["n_lost"] == EXPECTED["lost"]
    assert row["statistic"] == pytest.approx(expected["statistic"], rel=REL)
    assert row["df"] == pytest.approx(expected["df"], rel=REL)
    assert row["p"] == pytest.approx(expected["p"], rel=REL)
    assert row["smd"] == pytest.approx(expected["smd"], rel=REL)


@pytest.mark.parametrize("name", ["sex", "condition"])
def test_chi_square_tests_match_chisq_test(comparison: pd.DataFrame, name: str) -> None:
    rows = comparison.loc[comparison["characteristic"] == name]
    expected = EXPECTED[name]
    assert rows["level"].tolist() == expected["levels"]
    assert rows["statistic"].iloc[0] == pytest.approx(expected["statistic"], rel=REL)
    assert rows["df"].iloc[0] == expected["df"]
    assert rows["p"].iloc[0] == pytest.approx(expected["p"], rel=REL)
    assert rows["smd"].to_numpy() == pytest.approx(expected["smd"], rel=REL)


def test_pending_and_not_expected_visits_are_not_losses() -> None:
    table = completion_by_visit(FOLLOWUP).set_index("visit")
    row = table.loc["12mo"]
    assert row["expected"] == row["completed"] + row["missed"]
    assert row["expected"] < len(EPISODES)


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(MissingColumnError, match="status"):
        completion_by_visit(FOLLOWUP.drop(columns="status"))
    with pytest.raises(EmptyGroupError, match="60mo"):
        followed_vs_lost(EPISODES, FOLLOWUP, "60mo", ["age_at_index"], [])
    constant = EPISODES.assign(condition="facet")
    with pytest.raises(EmptyGroupError, match="one value"):
        followed_vs_lost(constant, FOLLOWUP, "12mo", [], ["condition"])


def test_a_characteristic_without_variation_is_shown_untested() -> None:
    episodes = EPISODES.assign(baseline_odi=40.0)
    row = followed_vs_lost(episodes, FOLLOWUP, "12mo", ["baseline_odi"], []).iloc[0]
    assert row["test"] == "none (no variation)"
    assert row["smd"] == 0.0
