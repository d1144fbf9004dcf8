"""The registry's own result beside the literature: mean change and responder share of the
clinic's (or network's) BMAC patients at each time point, from the analysis dataset's `outcomes`
table. Shown under the pooled estimate and never pooled with it: a registry cohort is neither a
trial arm nor independent of the clinic reading it.

Scores are put on the literature's common 0-100 scale (NRS x 10). A responder improved by at
least the instrument's minimal important change (ODI 10 points, VAS 15 mm, NRS 2 points = 20 on
0-100; Ostelo 2008, Spine 33:90; DOMAIN.md section 2).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from spinereg.analytics.frames import in_window
from spinereg.core.errors import RuleViolation

# instrument -> (outcome group, factor to the 0-100 scale, responder improvement on 0-100).
REGISTRY_INSTRUMENTS: dict[str, tuple[str, float, float]] = {
    "odi-2.1a": ("odi", 1.0, 10.0),
    "vas-pain": ("pain", 1.0, 15.0),
    "nrs-pain": ("pain", 10.0, 20.0),
}
REGISTRY_TIMEPOINTS: dict[str, int] = {"3mo": 3, "6mo": 6, "12mo": 12, "24mo": 24}
OUTCOMES_COLUMNS = (
    "episode",
    "treatment",
    "timepoint",
    "out_of_window",
    "instrument",
    "score",
    "value",
    "baseline_value",
)


@dataclass(frozen=True)
class RegistryOutcome:
    """The registry's own result at one time point; never pooled with the literature."""

    label: str
    outcome: str
    timepoint_months: int
    n_patients: int
    mean_change: float
    change_ci_lower: float
    change_ci_upper: float
    responders: int
    responder_share: float
    share_ci_lower: float
    share_ci_upper: float
    responder_definition: str
    instrument: str = ""


def registry_outcome(
    baseline: ArrayLike,
    follow_up: ArrayLike,
    *,
    outcome: str,
    timepoint_months: int,
    responder_improvement: float,
    label: str,
    conf_level: float = 0.95,
    instrument: str = "",
) -> RegistryOutcome:
    """Mean change (t interval) and responder share (Wilson interval) from paired scores.

    A responder improved by at least `responder_improvement` points (scores fall as patients
    improve). The Wilson interval is statsmodels' proportion_confint(method="wilson"), the same
    as R's prop.test(correct = FALSE)$conf.int.
    """
    before = np.asarray(baseline, dtype=float)
    after = np.asarray(follow_up, dtype=float)
    if before.shape != after.shape:
        raise RuleViolation(
            field="follow_up", rule="paired", message="baseline and follow-up lengths differ"
        )
    if before.size < 2 or not np.all(np.isfinite(before)) or not np.all(np.isfinite(after)):
        raise RuleViolation(
            field="baseline",
            rule="two_finite_pairs",
            message=f"needs at least two finite baseline/follow-up pairs, got {before.size}",
        )
    change = after - before
    n = int(change.size)
    mean = float(change.mean())
    half_width = float(stats.t.ppf(0.5 + conf_level / 2, n - 1) * change.std(ddof=1) / math.sqrt(n))
    responders = int(np.sum(-change >= responder_improvement))
    lower, upper = proportion_confint(responders, n, alpha=1 - conf_level, method="wilson")
    return RegistryOutcome(
        label=label,
        outcome=outcome,
        timepoint_months=timepoint_months,
        n_patients=n,
        mean_change=mean,
        change_ci_lower=mean - half_width,
        change_ci_upper=mean + half_width,
        responders=responders,
        responder_share=responders / n,
        share_ci_lower=float(lower),
        share_ci_upper=float(upper),
        responder_definition=f"improvement >= {responder_improvement:g} points",
        instrument=instrument,
    )


def registry_outcomes(outcomes: pd.DataFrame, label: str) -> list[RegistryOutcome]:
    """One row per instrument x time point with at least two BMAC patients scored at baseline
    and in the visit's window (the analysis dataset's `outcomes` table; the last answer of an
    episode at a visit counts, as in the registry report)."""
    missing = [column for column in OUTCOMES_COLUMNS if column not in outcomes.columns]
    if missing:
        raise RuleViolation(
            field="outcomes",
            rule="analysis_dataset_columns",
            message=f"the outcomes table lacks {', '.join(missing)}",
        )
    scored = outcomes.loc[
        (outcomes["treatment"] == "bmac")
        & (outcomes["score"] == "value")
        & in_window(outcomes)
        & outcomes["instrument"].isin(list(REGISTRY_INSTRUMENTS))
        & outcomes["timepoint"].isin(list(REGISTRY_TIMEPOINTS))
        & outcomes["value"].notna()
        & outcomes["baseline_value"].notna()
    ]
    results = []
    for instrument, (outcome, factor, threshold) in REGISTRY_INSTRUMENTS.items():
        for code, month in REGISTRY_TIMEPOINTS.items():
            visit = scored.loc[
                (scored["instrument"] == instrument) & (scored["timepoint"] == code)
            ].drop_duplicates("episode", keep="last")
            if len(visit) < 2:
                continue
            results.append(
                registry_outcome(
                    visit["baseline_value"].to_numpy(dtype=float) * factor,
                    visit["value"].to_numpy(dtype=float) * factor,
                    outcome=outcome,
                    timepoint_months=month,
                    responder_improvement=threshold,
                    label=f"{label}, {instrument}",
                    instrument=instrument,
                )
            )
    return results


def for_question(
    rows: Iterable[RegistryOutcome], outcome: str, timepoint_months: int
) -> list[RegistryOutcome]:
    """The registry rows that sit beside one pooled question (same outcome and time point)."""
    return [
        row for row in rows if row.outcome == outcome and row.timepoint_months == timepoint_months
    ]
