"""propensity_match on a small example checked by hand, and on simulated confounded data.

With one covariate x and a positive coefficient, the propensity logit is a + b·x with b > 0, so
nearness on the logit is nearness on x and the caliper (0.2 SD of the logit) is 0.2 SD of x:
the matches below can be read off the x values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.causal import propensity_match
from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"


@pytest.fixture
def small() -> pd.DataFrame:
    """0.2 · SD(x) = 0.4996, the caliper in x units."""
    return pd.DataFrame(
        {
            "patient": [f"T{number}" for number in range(1, 6)]
            + [f"C{number}" for number in range(1, 9)],
            "x": [1.0, 3.0, 5.0, 9.0, 5.3, 0.7, 2.9, 2.9, 4.6, 5.2, 1.4, 0.4, 6.0],
            "bmac": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            "odi_change": [10, 20, 30, 90, 50, 7, 18, 100, 26, 45, 0, 0, 0.0],
        }
    ).set_index("patient")  # fmt: skip


def test_the_small_example_matches_as_worked_by_hand(small: pd.DataFrame) -> None:
    """Greedy by descending score: T4 (x 9) has nothing within 0.5 and stays unmatched; T5
    (5.3) takes C5 (5.2) before T3 (5.0) can, so T3 takes C4 (4.6, 0.4 away); T2 (3.0) meets
    two controls at 2.9 and takes the earlier row, C2; T1 (1.0) takes C1 (0.7)."""
    result = propensity_match(small, "bmac", ["x"], "odi_change")
    assert result.propensity.coefficients.loc["x", "coef"] > 0
    assert result.caliper_logit == pytest.approx(
        0.2 * np.std(result.propensity.logit, ddof=1), rel=1e-12
    )
    pairs = list(result.pairs[["treated", "control"]].itertuples(index=False, name=None))
    assert pairs == [("T5", "C5"), ("T3", "C4"), ("T2", "C2"), ("T1", "C1")]
    assert (result.n_matched_treated, result.n_unmatched_treated) == (4, 1)
    differences = np.array([50 - 45, 30 - 26, 20 - 18, 10 - 7])
    assert result.att == pytest.approx(differences.mean(), rel=1e-12)
    assert result.att_se == pytest.approx(differences.std(ddof=1) / 2, rel=1e-12)
    assert result.att_ci == pytest.approx(
        (
            result.att - 1.959963984540054 * result.att_se,
            result.att + 1.959963984540054 * result.att_se,
        )
    )


def test_ratio_two_matches_in_rounds(small: pd.DataFrame) -> None:
    """Round 2, same order: T5 and T3 find nothing left within the caliper (C8 at 6.0 is 0.7
    and 1.0 away); T2 takes the other 2.9 (C3); T1 takes C6 (1.4). Sets of two weigh their
    controls by 1/2, as MatchIt does."""
    result = propensity_match(small, "bmac", ["x"], "odi_change", ratio=2)
    pairs = list(
        result.pairs[["treated", "control", "match_round"]].itertuples(index=False, name=None)
    )
    assert pairs == [
        ("T5", "C5", 1), ("T3", "C4", 1), ("T2", "C2", 1), ("T1", "C1", 1),
        ("T2", "C3", 2), ("T1", "C6", 2),
    ]  # fmt: skip
    differences = np.array([50 - 45, 30 - 26, 20 - (18 + 100) / 2, 10 - (7 + 0) / 2])
    assert result.att == pytest.approx(differences.mean(), rel=1e-12)
    assert result.weights.loc[["C2", "C3", "C4", "T4", "C8"]].tolist() == [0.5, 0.5, 1, 0, 0]
    assert result.n_controls_used == 6


def test_without_a_caliper_every_treated_unit_is_matched(small: pd.DataFrame) -> None:
    result = propensity_match(small, "bmac", ["x"], "odi_change", caliper=None)
    assert result.n_unmatched_treated == 0
    assert ("T4", "C8") in set(
        result.pairs[["treated", "control"]].itertuples(index=False, name=None)
    )


def test_matching_balances_simulated_confounded_data() -> None:
    frame = pd.read_csv(KNOWN / "causal_simulated.csv")
    covariates = ["age", "baseline_odi", "smoker", "symptom_months"]
    result = propensity_match(frame, "treatment", covariates, "odi_change")
    balance = result.balance
    assert (balance["smd_after"].abs() < balance["smd_before"].abs()).all()
    assert (balance["smd_after"].abs() < 0.1).all()
    assert result.pairs["control"].is_unique  # without replacement
    assert (result.pairs["distance"] <= result.caliper_logit).all()
    assert frame.loc[result.pairs["treated"], "treatment"].eq(1).all()
    assert frame.loc[result.pairs["control"], "treatment"].eq(0).all()


@pytest.mark.parametrize(
    ("keyword", "value", "field"), [("caliper", 0.0, "caliper"), ("ratio", 0, "ratio")]
)
def test_nonsense_settings_are_refused(
    small: pd.DataFrame, keyword: str, value: float, field: str
) -> None:
    with pytest.raises(RuleViolation) as raised:
        propensity_match(small, "bmac", ["x"], "odi_change", **{keyword: value})
    assert raised.value.field == field


def test_a_caliper_nobody_meets_is_an_empty_group(small: pd.DataFrame) -> None:
    with pytest.raises(EmptyGroupError, match="caliper"):
        propensity_match(small, "bmac", ["x"], "odi_change", caliper=1e-6)
