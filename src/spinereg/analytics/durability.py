"""Durability endpoints from the analysis dataset, as time/event columns for `kaplan_meier` and
`cox_ph`: time to a repeat procedure, time to surgery, and time to loss of response.

All times are days from the index procedure (day 0).
- repeat procedure: the first reintervention that is not surgery (any level); censored at the
  end of observation (`followup_days`: cut-off, death or withdrawal).
- surgery: the first reintervention of kind surgery; censored likewise. Each of the two treats
  the other as censoring-free background, so 1 − KM is the cumulative incidence without
  competing risks, an overestimate when the other event is common.
- loss of response: among episodes that met the responder definition at some follow-up visit,
  the first later visit at which they no longer meet it, or a re-treatment at the index level
  after that response, whichever comes first; censored at their last visit with the response
  evaluated. Loss is seen only at visits, so the time is the visit's day (interval censoring
  is ignored, as in registry reports that count "response lost by visit X").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.frames import in_window, require_columns
from spinereg.analytics.survival import KaplanMeierFit, kaplan_meier
from spinereg.core.responders import evaluate_frame, resolve_definition

SURGERY = "surgery"
ENDPOINTS = ("repeat_procedure", "surgery", "loss_of_response")


def time_to_reintervention(
    episodes: pd.DataFrame, reinterventions: pd.DataFrame, *, surgery: bool
) -> pd.DataFrame:
    """`episode`, `time` (days), `event` (1/0) for the first surgery (`surgery=True`) or the
    first repeat procedure other than surgery, with the other episode columns kept."""
    require_columns(episodes, ["episode", "followup_days"])
    require_columns(reinterventions, ["episode", "kind", "day"])
    chosen = reinterventions["kind"] == SURGERY
    events = reinterventions.loc[chosen if surgery else ~chosen]
    first = events.loc[events["day"].notna()].groupby("episode")["day"].min()
    data = episodes.copy()
    observed = data["followup_days"].astype("float64")
    day = data["episode"].map(first).astype("float64")
    happened = day.notna() & (day <= observed)
    data["time"] = np.where(happened, day.clip(lower=0), observed.clip(lower=0))
    data["event"] = happened.astype(np.int64)
    return data.loc[observed.notna()].reset_index(drop=True)


def time_to_loss_of_response(
    episodes: pd.DataFrame,
    outcomes: pd.DataFrame,
    reinterventions: pd.DataFrame,
    definition: str = "odi_pct30",
) -> pd.DataFrame:
    """`episode`, `time`, `event`, `response_day` for the episodes that responded by
    `definition` at some follow-up visit (module docstring)."""
    rule = resolve_definition(definition)
    require_columns(episodes, ["episode"])
    require_columns(
        outcomes,
        ["episode", "timepoint", "out_of_window", "instrument", "score", "value", "baseline_value"],
    )
    require_columns(outcomes, ["days_from_index"])
    require_columns(reinterventions, ["episode", "day", "at_index_level"])
    rows = outcomes.loc[
        (outcomes["instrument"] == rule.instrument_id)
        & (outcomes["score"] == rule.score)
        & in_window(outcomes)
        & ~outcomes["timepoint"].isin(["baseline", ""])
    ]
    met = evaluate_frame(
        rule,
        rows["baseline_value"].to_numpy(dtype=np.float64),
        rows["value"].to_numpy(dtype=np.float64),
    ).array
    visits = pd.DataFrame(
        {
            "episode": rows["episode"].to_numpy(),
            "day": rows["days_from_index"].to_numpy(dtype=np.float64, na_value=np.nan),
            "met": met,
        }
    )
    visits = visits.loc[visits["met"].notna()]
    visits["met"] = visits["met"].astype(bool)
    onset = visits.loc[visits["met"]].groupby("episode")["day"].min().rename("response_day")
    if onset.empty:
        raise EmptyGroupError(f"no episode reached {definition} at a follow-up visit")
    visits = visits.merge(onset.reset_index(), on="episode", how="inner")
    later = visits.loc[visits["day"] > visits["response_day"]]
    lost_at = later.loc[~later["met"]].groupby("episode")["day"].min()
    last_seen = visits.groupby("episode")["day"].max()
    at_level = reinterventions.loc[reinterventions["at_index_level"].fillna(False).astype(bool)]
    at_level = at_level.merge(onset.reset_index(), on="episode", how="inner")
    retreated = (
        at_level.loc[at_level["day"] > at_level["response_day"]].groupby("episode")["day"].min()
    )
    data = episodes.merge(onset.reset_index(), on="episode", how="inner")
    loss = data["episode"].map(lost_at).astype("float64")
    retreat = data["episode"].map(retreated).astype("float64")
    first_event = pd.concat([loss, retreat], axis=1).min(axis=1)
    censor = data["episode"].map(last_seen).astype("float64")
    happened = first_event.notna()
    data["time"] = np.where(happened, first_event, censor)
    data["event"] = happened.astype(np.int64)
    return data.reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class GroupCurve:
    """One group's Kaplan–Meier fit and its numbers at risk at `times` (R's
    `summary(fit, times = times)$n.risk`: rows with time ≥ t)."""

    group: str
    fit: KaplanMeierFit
    at_risk: tuple[int, ...]


def curves_by_group(
    data: pd.DataFrame, group: str, at_risk_times: Sequence[float], *, min_size: int = 1
) -> list[GroupCurve]:
    """Kaplan–Meier curve (log-log limits) of `time`/`event` for each value of `group` with at
    least `min_size` rows, in order of decreasing size."""
    require_columns(data, ["time", "event", group])
    if data.empty:
        raise EmptyGroupError("no episodes to draw curves for")
    curves = []
    sizes = data[group].value_counts()
    for label in sizes.index[sizes >= min_size]:
        rows = data.loc[data[group] == label]
        times = rows["time"].to_numpy(dtype=np.float64)
        fit = kaplan_meier(times, rows["event"].to_numpy(dtype=np.float64))
        at_risk = tuple(int((times >= when).sum()) for when in at_risk_times)
        curves.append(GroupCurve(str(label), fit, at_risk))
    if not curves:
        raise EmptyGroupError(f"no group of {group!r} has {min_size} or more episodes")
    return curves
