"""The registry's own rows from the analysis dataset's outcomes table, worked by hand."""

import pandas as pd
import pytest

from spinereg.analytics.meta.registry_rows import for_question, registry_outcome, registry_outcomes
from spinereg.core.errors import RuleViolation


def _row(episode, instrument, timepoint, value, baseline, *, treatment="bmac", **extra):
    return {"episode": episode, "treatment": treatment, "timepoint": timepoint,
            "out_of_window": False, "instrument": instrument, "score": "value",
            "value": value, "baseline_value": baseline, **extra}  # fmt: skip


def test_nrs_is_put_on_the_0_100_scale_and_judged_by_its_own_threshold():
    frame = pd.DataFrame(
        [
            _row("A-1", "nrs-pain", "12mo", 4.0, 7.0),  # -30 on 0-100: responder (>= 20)
            _row("B-1", "nrs-pain", "12mo", 6.0, 7.0),  # -10: not
            _row("C-1", "nrs-pain", "12mo", 3.0, 5.0),  # -20: responder (boundary counts)
        ]
    )
    (row,) = registry_outcomes(frame, "North")
    assert (row.outcome, row.timepoint_months, row.n_patients) == ("pain", 12, 3)
    assert row.mean_change == pytest.approx(-20.0)
    assert row.responders == 2
    assert row.label == "North, nrs-pain"
    assert row.responder_definition == "improvement >= 20 points"


def test_only_bmac_in_window_scored_pairs_count_and_the_last_answer_wins():
    frame = pd.DataFrame(
        [
            _row("A-1", "odi-2.1a", "6mo", 40.0, 50.0),
            _row("A-1", "odi-2.1a", "6mo", 30.0, 50.0),  # re-entered: this one counts
            _row("B-1", "odi-2.1a", "6mo", 44.0, 48.0),
            _row("C-1", "odi-2.1a", "6mo", 10.0, 50.0, treatment="esi"),
            {**_row("D-1", "odi-2.1a", "6mo", 10.0, 50.0), "out_of_window": True},
            _row("E-1", "odi-2.1a", "6mo", 10.0, None),  # no baseline
            {**_row("F-1", "bpi-sf", "6mo", 2.0, 6.0), "score": "severity"},
        ]
    )
    (row,) = registry_outcomes(frame, "North")
    assert row.n_patients == 2
    assert row.mean_change == pytest.approx(((30 - 50) + (44 - 48)) / 2)
    assert row.responders == 1


def test_a_time_point_with_one_patient_gives_no_row():
    frame = pd.DataFrame([_row("A-1", "odi-2.1a", "3mo", 30.0, 50.0)])
    assert registry_outcomes(frame, "North") == []


def test_a_table_without_the_needed_columns_is_named():
    with pytest.raises(RuleViolation, match="baseline_value"):
        registry_outcomes(pd.DataFrame({"episode": ["A-1"]}), "North")


def test_rows_are_matched_to_a_question_by_outcome_and_time_point():
    kwargs = {"responder_improvement": 10.0, "label": "North"}
    rows = [
        registry_outcome([50, 60], [30, 50], outcome="odi", timepoint_months=12, **kwargs),
        registry_outcome([50, 60], [30, 50], outcome="odi", timepoint_months=24, **kwargs),
        registry_outcome([50, 60], [30, 50], outcome="pain", timepoint_months=12, **kwargs),
    ]
    assert for_question(rows, "odi", 12) == [rows[0]]
