"""Schedule items and windows come from the default schedule; every response lies inside
its visit's window unless flagged out of window; completion falls with every visit."""

import json
from datetime import date

import numpy as np
import pandas as pd

from spinereg.core.schedule import default_schedule, plan
from tests.synth.conftest import TODAY


def test_every_episode_with_an_index_date_has_every_visit_with_the_planned_windows(cohort):
    schedule = default_schedule()
    items = cohort["followup.scheduleitem"]
    episodes = cohort["episodes.episode"].dropna(subset=["index_date"])
    assert len(items) == len(episodes) * len(schedule.visits)
    for _, episode in episodes.head(40).iterrows():
        index_date = date.fromisoformat(str(episode["index_date"]))
        expected = {
            planned.visit.code: (planned.target_date, planned.window_start, planned.window_end)
            for planned in plan(index_date, schedule)
        }
        rows = items[items["episode_id"] == episode["id"]]
        got = {
            row.visit: (row.target_date, row.window_start, row.window_end)
            for row in rows.itertuples()
        }
        assert got == expected
    instruments = {visit.code: list(visit.instruments) for visit in schedule.visits}
    for visit, text in items.groupby("visit")["instruments"].first().items():
        assert json.loads(text) == instruments[visit]
    assert (items["schedule_version"] == schedule.version).all()


def _responses_with_items(cohort):
    responses = cohort["outcomes.questionnaireresponse"]
    items = cohort["followup.scheduleitem"].rename(
        columns={"id": "schedule_item_id", "completed_at": "item_completed_at"}
    )
    return responses.merge(items, on=["schedule_item_id", "episode_id"], how="left")


def test_responses_lie_in_their_window_unless_out_of_window(cohort):
    """Out of window, a response belongs to no visit: no schedule item, no timepoint (as
    `outcomes.services` records it), and its day is in no visit's window."""
    schedule = default_schedule()
    merged = _responses_with_items(cohort)
    flagged = merged["out_of_window"].to_numpy(dtype=bool)
    assert 0.005 < flagged.mean() < 0.05
    inside = merged[~flagged]
    assert inside["visit"].notna().all()
    assert (inside["timepoint"] == inside["visit"]).all()
    day = pd.to_datetime(inside["completed_at"].astype(str)).dt.tz_localize(None).dt.normalize()
    assert (day >= pd.to_datetime(inside["window_start"].astype(str))).all()
    assert (day <= pd.to_datetime(inside["window_end"].astype(str))).all()
    index = pd.to_datetime(inside["target_date"].astype(str)) - pd.to_timedelta(
        inside["visit"].map({v.code: v.target_day for v in schedule.visits}), unit="D"
    )
    assert ((day - index).dt.days == inside["days_from_index"].astype(int)).all()
    for row in inside.head(500).itertuples():
        assert schedule.visit_for_day(int(row.days_from_index)).code == row.timepoint
    outside = merged[flagged]
    assert outside["schedule_item_id"].isna().all()
    assert (outside["timepoint"] == "").all()
    assert all(schedule.visit_for_day(int(d)) is None for d in outside["days_from_index"])


def test_an_item_is_completed_exactly_when_a_response_points_at_it(cohort):
    merged = _responses_with_items(cohort)
    answered = set(merged["schedule_item_id"].dropna())
    items = cohort["followup.scheduleitem"]
    completed = items["completed_at"].notna()
    assert set(items.loc[completed, "id"]) == answered
    last_response = merged.groupby("schedule_item_id")["completed_at"].max()
    done = items[completed].set_index("id")["completed_at"]
    assert (done >= last_response.loc[done.index]).all()


def test_future_visits_are_not_completed(cohort):
    items = cohort["followup.scheduleitem"]
    future = pd.to_datetime(items["window_start"].astype(str)) > pd.Timestamp(TODAY)
    assert future.any()
    assert items.loc[future, "completed_at"].isna().all()


def test_completion_falls_with_every_visit_and_meets_the_seeding_targets(cohort):
    items = cohort["followup.scheduleitem"].copy()
    due = pd.to_datetime(items["window_end"].astype(str)) < pd.Timestamp(TODAY)
    rate = items[due].groupby("visit")["completed_at"].apply(lambda s: s.notna().mean())
    order = [visit.code for visit in default_schedule().visits]
    rate = rate.reindex(order)
    assert np.all(np.diff(rate.loc["6wk":].to_numpy()) < 0.02)
    assert rate.loc["3mo"] > rate.loc["12mo"] > rate.loc["24mo"] > rate.loc["60mo"]
    assert 0.78 < rate.loc["3mo"] < 0.95
    assert 0.65 < rate.loc["12mo"] < 0.82
    assert 0.52 < rate.loc["24mo"] < 0.75
    assert 0.35 < rate.loc["60mo"] < 0.60


def test_completion_depends_on_age_not_on_outcome(cohort):
    """Older patients answer more (NORspine non-responders were younger)."""
    items = cohort["followup.scheduleitem"]
    episodes = cohort["episodes.episode"][["id", "patient_id"]]
    patients = cohort["patients.patient"][["id", "birth_year"]]
    frame = items.merge(episodes, left_on="episode_id", right_on="id", suffixes=("", "_e"))
    frame = frame.merge(patients, left_on="patient_id", right_on="id", suffixes=("", "_p"))
    frame = frame[pd.to_datetime(frame["window_end"].astype(str)) < pd.Timestamp(TODAY)]
    frame = frame[frame["visit"] != "baseline"]
    old = frame["birth_year"] < frame["birth_year"].median()
    done = frame["completed_at"].notna()
    assert done[old].mean() > done[~old].mean()
