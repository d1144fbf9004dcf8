"""mean_trajectories and the durability curves against R
(tests/known_answers/report_trajectories.R):

    t.test(x)$conf.int;  summary(survfit(Surv(time, event) ~ 1), times = times)$n.risk, $surv

and the time/event columns of the durability endpoints on small hand-made cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.durability import (
    curves_by_group,
    time_to_loss_of_response,
    time_to_reintervention,
)
from spinereg.analytics.exceptions import EmptyGroupError, MissingColumnError
from spinereg.analytics.trajectories import mean_trajectories

KNOWN = Path(__file__).parent.parent / "known_answers"
EXPECTED: dict[str, Any] = json.loads((KNOWN / "report_trajectories.json").read_text())
REL = 1e-6


def test_means_and_t_intervals_match_r() -> None:
    long = pd.read_csv(KNOWN / "report_trajectories.csv").assign(
        instrument="odi-2.1a", score="value", out_of_window=False
    )
    table = mean_trajectories(long, "odi-2.1a").set_index(["treatment", "timepoint"])
    expected = pd.DataFrame(EXPECTED["means"]).set_index(["treatment", "timepoint"])
    ours = table.loc[expected.index]
    assert ours["n"].tolist() == expected["n"].tolist()
    for column in ("mean", "sd", "lower", "upper"):
        assert ours[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=REL)
    assert table.loc["bmac"].index.tolist() == ["baseline", "3mo", "12mo"]


def test_a_single_answer_has_a_mean_and_says_why_it_has_no_interval() -> None:
    long = pd.DataFrame(
        {
            "treatment": ["bmac"],
            "timepoint": ["3mo"],
            "days_from_index": [91],
            "value": [30.0],
            "instrument": "odi-2.1a",
            "score": "value",
            "out_of_window": False,
        }
    )
    row = mean_trajectories(long, "odi-2.1a").iloc[0]
    assert row["mean"] == 30.0
    assert np.isnan(row["lower"])
    assert "fewer than 2" in row["note"]


def test_numbers_at_risk_and_survival_match_survfit() -> None:
    data = pd.read_csv(KNOWN / "report_durability.csv")
    times = EXPECTED["times"]
    curves = {curve.group: curve for curve in curves_by_group(data, "treatment", times)}
    for group, expected in EXPECTED["curves"].items():
        assert list(curves[group].at_risk) == expected["n_risk"]
        assert curves[group].fit.survival_at(times) == pytest.approx(expected["surv"], rel=REL)


def _episodes() -> pd.DataFrame:
    return pd.DataFrame(
        {"episode": ["A-1", "B-1", "C-1"], "followup_days": [900, 400, 1000], "treatment": "bmac"}
    )


def test_reintervention_endpoints_split_surgery_from_repeat_procedures() -> None:
    reinterventions = pd.DataFrame(
        {
            "episode": ["A-1", "A-1", "B-1", "C-1"],
            "kind": ["esi_transforaminal", "surgery", "bmac", "surgery"],
            "day": [200, 500, 450, 30],
            "at_index_level": True,
        }
    )
    repeat = time_to_reintervention(_episodes(), reinterventions, surgery=False)
    surgery = time_to_reintervention(_episodes(), reinterventions, surgery=True)
    # B-1's repeat came after its observation ended (day 450 > 400): censored at 400.
    assert repeat[["time", "event"]].to_numpy().tolist() == [[200, 1], [400, 0], [1000, 0]]
    assert surgery[["time", "event"]].to_numpy().tolist() == [[500, 1], [400, 0], [30, 1]]


def test_loss_of_response_starts_at_the_first_response() -> None:
    def visit(episode: str, timepoint: str, day: int, value: float) -> dict[str, object]:
        return {
            "episode": episode,
            "timepoint": timepoint,
            "days_from_index": day,
            "value": value,
            "baseline_value": 50.0,
            "instrument": "odi-2.1a",
            "score": "value",
            "out_of_window": False,
        }

    outcomes = pd.DataFrame(
        [
            visit("A-1", "3mo", 91, 30.0),  # responder (40% better)
            visit("A-1", "6mo", 182, 32.0),
            visit("A-1", "12mo", 365, 45.0),  # lost
            visit("B-1", "3mo", 91, 48.0),  # never responds
            visit("C-1", "3mo", 91, 20.0),  # responder, re-treated at day 300
            visit("C-1", "12mo", 365, 20.0),
        ]
    )
    reinterventions = pd.DataFrame(
        {"episode": ["C-1"], "kind": ["bmac"], "day": [300], "at_index_level": [True]}
    )
    data = time_to_loss_of_response(_episodes(), outcomes, reinterventions, "odi_pct30")
    assert data["episode"].tolist() == ["A-1", "C-1"]
    assert data[["time", "event"]].to_numpy().tolist() == [[365, 1], [300, 1]]
    no_retreatment = reinterventions.iloc[:0]
    data = time_to_loss_of_response(_episodes(), outcomes, no_retreatment, "odi_pct30")
    assert data.loc[data["episode"] == "C-1", ["time", "event"]].to_numpy().tolist() == [[365, 0]]


def test_durability_failures_are_clear() -> None:
    with pytest.raises(MissingColumnError, match="followup_days"):
        time_to_reintervention(
            _episodes().drop(columns="followup_days"),
            pd.DataFrame(columns=["episode", "kind", "day"]),
            surgery=True,
        )
    with pytest.raises(EmptyGroupError):
        curves_by_group(pd.DataFrame(columns=["time", "event", "treatment"]), "treatment", [0])
