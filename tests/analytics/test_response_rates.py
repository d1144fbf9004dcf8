"""response_rates and wilson_interval against R (tests/known_answers/report_rates.R):

    prop.test(x, n, correct = FALSE)$conf.int

and odi_pct30 counted by R from the rule itself, per treatment and visit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.exceptions import EmptyGroupError, MissingColumnError
from spinereg.analytics.response_rates import response_rates, wilson_interval
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "report_rates.json").read_text())
REL = 1e-6


def _outcomes() -> pd.DataFrame:
    frame = pd.read_csv(KNOWN / "report_rates.csv")
    return frame.assign(
        instrument="odi-2.1a", score="value", out_of_window=False, days_from_index=100
    )


def test_wilson_limits_match_prop_test() -> None:
    wilson = EXPECTED["wilson"]
    lower, upper = wilson_interval(wilson["x"], wilson["n"])
    assert lower == pytest.approx(wilson["lower"], rel=REL, abs=1e-15)
    assert upper == pytest.approx(wilson["upper"], rel=REL)


def test_responder_shares_match_r_by_treatment_and_visit() -> None:
    rates = response_rates(_outcomes(), ["odi_pct30"], by=["treatment"]).set_index(
        ["treatment", "timepoint"]
    )
    expected = pd.DataFrame(EXPECTED["rates"]).set_index(["treatment", "timepoint"])
    joined = expected.join(rates, suffixes=("", "_ours"), how="left")
    assert (joined["responders"] == joined["responders_ours"]).all()
    assert (joined["evaluated"] == joined["evaluated_ours"]).all()
    assert (joined["undefined"] == joined["undefined_ours"]).all()
    assert joined["lower_ours"].to_numpy() == pytest.approx(joined["lower"].to_numpy(), rel=REL)
    assert joined["upper_ours"].to_numpy() == pytest.approx(joined["upper"].to_numpy(), rel=REL)


def test_an_undefined_response_is_not_a_non_responder() -> None:
    frame = _outcomes().iloc[:2].assign(baseline_value=[5.0, 40.0], value=[5.0, 40.0])
    rates = response_rates(frame, ["odi_pct30"], by=["treatment"])
    assert rates["undefined"].sum() == 1
    assert rates["evaluated"].sum() == 1


def test_composite_needs_both_scores_and_counts_a_retreatment_as_failure() -> None:
    base = {
        "episode": "E-1",
        "treatment": "bmac",
        "condition": "discogenic",
        "timepoint": "12mo",
        "days_from_index": 365,
        "out_of_window": False,
        "score": "value",
    }
    outcomes = pd.DataFrame(
        [
            {**base, "instrument": "odi-2.1a", "baseline_value": 60.0, "value": 30.0},
            {**base, "instrument": "nrs-pain", "baseline_value": 8.0, "value": 2.0},
            {
                **base,
                "episode": "E-2",
                "instrument": "odi-2.1a",
                "baseline_value": 60.0,
                "value": 30.0,
            },
            {
                **base,
                "episode": "E-2",
                "instrument": "nrs-pain",
                "baseline_value": 8.0,
                "value": 2.0,
            },
        ]
    )
    reinterventions = pd.DataFrame({"episode": ["E-2"], "day": [200], "at_index_level": [True]})
    rates = response_rates(
        outcomes, ["composite_disc"], by=["treatment"], reinterventions=reinterventions
    )
    assert rates.loc[0, ["responders", "evaluated"]].tolist() == [1, 2]
    with pytest.raises(RuleViolation, match="required_for_composite"):
        response_rates(outcomes, ["composite_disc"], by=["treatment"])


def test_bad_input_is_named() -> None:
    with pytest.raises(MissingColumnError, match="baseline_value"):
        response_rates(_outcomes().drop(columns="baseline_value"), ["odi_pct30"])
    with pytest.raises(RuleViolation, match="known_definition"):
        response_rates(_outcomes(), ["odi_pct99"], by=["treatment"])
    with pytest.raises(EmptyGroupError):
        response_rates(_outcomes().iloc[:0], ["odi_pct30"], by=["treatment"])
    with pytest.raises(RuleViolation, match="within_trials"):
        wilson_interval(5, 3)
    assert np.isnan(wilson_interval(0, 0)[0][0])
