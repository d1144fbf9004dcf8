"""`response_rates`: the share of episodes reaching each responder definition (DOMAIN.md §2,
`spinereg.core.responders`) at each follow-up visit, by condition and treatment, with Wilson
score intervals.

Wilson (1927) JASA 22:209, without continuity correction: R's
`prop.test(x, n, correct = FALSE)$conf.int` (checked in tests/known_answers/report_rates.R).
It keeps the limits inside [0, 1] and behaves at 0 and n, where the Wald interval collapses
(Brown, Cai and DasGupta 2001, Stat Sci 16:101).

The denominator of a share is the episodes whose response is *defined* at that visit: both
scores present and the rule applicable to the baseline (odi_pct30 is undefined below an ODI of
10); undefined episodes are counted apart, never as non-responders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.frames import in_window, require_columns
from spinereg.core.errors import RuleViolation
from spinereg.core.responders import (
    composites,
    definitions,
    evaluate_composite_disc_frame,
    evaluate_frame,
)

FloatArray = npt.NDArray[np.float64]
RATE_COLUMNS = ("responders", "evaluated", "undefined", "share", "lower", "upper")
COMPOSITE = "composite_disc"


def wilson_interval(
    successes: npt.ArrayLike, trials: npt.ArrayLike, conf_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score limits of `successes` out of `trials` (arrays or scalars), as R's
    `prop.test(x, n, correct = FALSE)$conf.int`. NaN where `trials` is 0."""
    if not 0 < conf_level < 1:
        raise RuleViolation(
            field="conf_level", rule="open_unit_interval", message=f"{conf_level} is not in (0, 1)"
        )
    x = np.atleast_1d(np.asarray(successes, dtype=np.float64))
    n = np.atleast_1d(np.asarray(trials, dtype=np.float64))
    if np.any(x < 0) or np.any(x > n):
        raise RuleViolation(
            field="successes", rule="within_trials", message="must lie between 0 and the trials"
        )
    z = float(special.ndtri((1 + conf_level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z22n = z**2 / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z22n / (2 * n))
        lower = np.maximum(0.0, (p + z22n - spread) / (1 + 2 * z22n))
        upper = np.minimum(1.0, (p + z22n + spread) / (1 + 2 * z22n))
    empty = n == 0
    lower[empty] = np.nan
    upper[empty] = np.nan
    return lower, upper


def _summarise(flags: pd.DataFrame, keys: list[str], conf_level: float) -> pd.DataFrame:
    """Count responders, evaluated and undefined per group of `keys`; `flags["met"]` is a
    nullable boolean."""
    met = flags["met"]
    counts = (
        flags.assign(
            responders=met.fillna(False).astype(np.int64),
            evaluated=met.notna().astype(np.int64),
            undefined=met.isna().astype(np.int64),
        )
        .groupby(keys, observed=True, sort=False)[["responders", "evaluated", "undefined"]]
        .sum()
        .reset_index()
    )
    evaluated = counts["evaluated"].to_numpy(dtype=np.float64)
    responders = counts["responders"].to_numpy(dtype=np.float64)
    lower, upper = wilson_interval(responders, evaluated, conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["share"] = np.where(evaluated > 0, responders / evaluated, np.nan)
    counts["lower"] = lower
    counts["upper"] = upper
    return counts


def response_rates(
    outcomes: pd.DataFrame,
    definition_ids: Sequence[str] | None = None,
    by: Sequence[str] = ("condition", "treatment"),
    *,
    reinterventions: pd.DataFrame | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """One row per group of `by` × follow-up visit × definition: `responders`, `evaluated`
    (episodes whose response is defined), `undefined`, `share` and its Wilson limits.

    `outcomes` is the analysis dataset's long table (`episode`, `timepoint`, `out_of_window`,
    `instrument`, `score`, `value`, `baseline_value` and the `by` columns); out-of-window
    answers and the baseline visit are left out. `definition_ids` defaults to every shipped
    definition; "composite_disc" also needs `reinterventions` (re-treatment at the index level
    on or before the visit's day makes the composite False).
    """
    keys = list(by)
    require_columns(
        outcomes,
        [
            "episode",
            "timepoint",
            "out_of_window",
            "instrument",
            "score",
            "value",
            "baseline_value",
            "days_from_index",
            *keys,
        ],
    )
    shipped = definitions()
    wanted = list(definition_ids) if definition_ids is not None else [*shipped, COMPOSITE]
    unknown = [name for name in wanted if name not in shipped and name not in composites()]
    if unknown:
        raise RuleViolation(
            field="definition_ids",
            rule="known_definition",
            message=f"{unknown} are not responder definitions; known: {', '.join(shipped)}",
        )
    follow_up = outcomes.loc[
        in_window(outcomes) & (outcomes["timepoint"] != "baseline") & (outcomes["timepoint"] != "")
    ]
    if follow_up.empty:
        raise EmptyGroupError("no follow-up answers in a visit window to evaluate")
    # One pass to split the answers by instrument score, instead of comparing strings over
    # the whole table once per definition.
    by_score = {
        (str(instrument), str(score)): rows
        for (instrument, score), rows in follow_up.groupby(["instrument", "score"], sort=False)
    }
    pieces = []
    for name in wanted:
        if name == COMPOSITE:
            flags = _composite_flags(by_score, keys, reinterventions)
        else:
            rule = shipped[name]
            rows = by_score.get((rule.instrument_id, rule.score))
            if rows is None or rows.empty:
                continue
            flags = rows[[*keys, "timepoint"]].copy()
            flags["met"] = evaluate_frame(
                rule,
                rows["baseline_value"].to_numpy(dtype=np.float64),
                rows["value"].to_numpy(dtype=np.float64),
            ).array
        if flags.empty:
            continue
        summary = _summarise(flags, [*keys, "timepoint"], conf_level)
        summary.insert(len(keys) + 1, "definition", name)
        pieces.append(summary)
    if not pieces:
        raise EmptyGroupError(f"no answers to the instruments of {wanted}")
    return pd.concat(pieces, ignore_index=True)


def _composite_flags(
    by_score: dict[tuple[str, str], pd.DataFrame],
    keys: list[str],
    reinterventions: pd.DataFrame | None,
) -> pd.DataFrame:
    """composite_disc per episode and visit: NRS and ODI of the same visit, and whether a
    re-treatment at the index level happened on or before the ODI answer's day."""
    if reinterventions is None:
        raise RuleViolation(
            field="reinterventions",
            rule="required_for_composite",
            message="composite_disc needs the reinterventions table",
        )
    require_columns(reinterventions, ["episode", "day", "at_index_level"])
    index = ["episode", "timepoint"]

    def scores(instrument: str) -> pd.DataFrame:
        rows = by_score.get((instrument, "value"))
        if rows is None:
            return pd.DataFrame(columns=[*index, *keys, "value", "baseline_value"]).set_index(index)
        return rows.drop_duplicates(index, keep="last").set_index(index)

    odi, nrs = scores("odi-2.1a"), scores("nrs-pain")
    both = (
        odi.reset_index()
        .merge(nrs[["value", "baseline_value"]].reset_index(), on=index, suffixes=("", "_pain"))
        .set_index(index)
    )
    if both.empty:
        return pd.DataFrame(columns=[*keys, "timepoint", "met"])
    at_level = reinterventions.loc[reinterventions["at_index_level"].fillna(False).astype(bool)]
    first_day = at_level.groupby("episode")["day"].min()
    episodes = pd.Series(both.index.get_level_values("episode"), index=both.index)
    retreated_on = episodes.map(first_day).astype("float64")
    day = both["days_from_index"].astype("float64")
    reintervened = (retreated_on <= day).to_numpy()
    met = evaluate_composite_disc_frame(
        both["baseline_value_pain"].to_numpy(dtype=np.float64),
        both["value_pain"].to_numpy(dtype=np.float64),
        both["baseline_value"].to_numpy(dtype=np.float64),
        both["value"].to_numpy(dtype=np.float64),
        reintervened,
    )
    flags: pd.DataFrame = both.reset_index()[[*keys, "timepoint"]]
    flags["met"] = met.array
    return flags


def definition_label(definition_id: str) -> str:
    """The human label of a shipped definition or composite."""
    shipped: dict[str, Any] = {**definitions(), **composites()}
    return str(shipped[definition_id].label) if definition_id in shipped else definition_id
