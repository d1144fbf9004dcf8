"""adverse_event_rates, clopper_pearson and upper_bound_no_events against R
(tests/known_answers/report_safety.R):

    binom.test(x, n)$conf.int;  binom.test(0, n, alternative = "less")$conf.int[2]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spinereg.analytics.exceptions import EmptyGroupError, MissingColumnError
from spinereg.analytics.safety import (
    ANY_EVENT,
    UPPER_BOUND,
    adverse_event_rates,
    clopper_pearson,
    upper_bound_no_events,
)
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "report_safety.json").read_text())
EPISODES = pd.read_csv(KNOWN / "report_safety_episodes.csv")
EVENTS = pd.read_csv(KNOWN / "report_safety_events.csv")
REL = 1e-6


def test_exact_limits_match_binom_test() -> None:
    exact = EXPECTED["exact"]
    lower, upper = clopper_pearson(exact["x"], exact["n"])
    assert lower == pytest.approx(exact["lower"], rel=REL)
    assert upper == pytest.approx(exact["upper"], rel=REL)


def test_the_zero_event_bound_matches_the_one_sided_binom_test() -> None:
    zero = EXPECTED["zero"]
    assert upper_bound_no_events(zero["n"]) == pytest.approx(zero["upper"], rel=REL)


def test_rates_per_100_procedures_match_r() -> None:
    codes = ["post_injection_flare", "anemia", "vasovagal"]
    table = adverse_event_rates(EVENTS, EPISODES, categories=codes).set_index(
        ["treatment", "category"]
    )
    expected = pd.DataFrame(EXPECTED["table"]).set_index(["treatment", "category"])
    ours = table.loc[expected.index]
    assert (ours["procedures"] == expected["procedures"]).all()
    assert (ours["events"] == expected["events"]).all()
    assert (ours["episodes_with_event"] == expected["episodes_with_event"]).all()
    assert ours["lower_per_100"].to_numpy() == pytest.approx(
        100 * expected["lower"].to_numpy(), rel=REL, abs=1e-12
    )
    assert ours["upper_per_100"].to_numpy() == pytest.approx(
        100 * expected["upper"].to_numpy(), rel=REL
    )
    none = expected["episodes_with_event"] == 0
    assert none.any()
    assert (ours.loc[none[none].index, "interval"] == UPPER_BOUND).all()


def test_a_category_nobody_had_still_gets_its_bound() -> None:
    table = adverse_event_rates(EVENTS, EPISODES, categories=["discitis"])
    row = table.loc[(table["treatment"] == "bmac") & (table["category"] == "discitis")].iloc[0]
    n = int((EPISODES["treatment"] == "bmac").sum())
    assert row["episodes_with_event"] == 0
    assert row["upper_per_100"] == pytest.approx(100 * (1 - 0.05 ** (1 / n)))
    anything = table.loc[(table["treatment"] == "bmac") & (table["category"] == ANY_EVENT)]
    assert int(anything["episodes_with_event"].iloc[0]) > 0


def test_bad_input_is_named() -> None:
    with pytest.raises(MissingColumnError, match="serious"):
        adverse_event_rates(EVENTS.drop(columns="serious"), EPISODES)
    with pytest.raises(EmptyGroupError):
        adverse_event_rates(EVENTS, EPISODES.iloc[:0])
    with pytest.raises(RuleViolation, match="within_trials"):
        clopper_pearson(4, 3)
