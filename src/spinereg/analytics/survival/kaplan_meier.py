"""`kaplan_meier`: the Kaplan–Meier curve with Greenwood standard errors, pointwise confidence
limits, and the median with its confidence interval, defined exactly as R's survival package
defines them.

Checked against survival 3.5 in tests/known_answers/survival_reference.R:
`survfit(Surv(time, event) ~ 1, conf.type = ...)`, `summary(fit, censored = FALSE)`,
`quantile(fit, 0.5)` and `summary(fit, times = ...)`. References: Kaplan & Meier (1958) JASA
53:457; Greenwood's variance and the three interval types as in Klein & Moeschberger,
*Survival Analysis* (2003) §4.3; Brookmeyer & Crowley (1982) Biometrics 38:29 for the median
interval; R's `survival:::survfit_confint` and `survival:::findq` for the exact rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from spinereg.analytics.survival.inputs import (
    TIME_TIE_TOLERANCE,
    FloatArray,
    event_indicators,
    numeric_values,
    reject_missing,
    survival_times,
    time_blocks,
)
from spinereg.core.errors import RuleViolation

ConfType = Literal["log-log", "log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = get_args(ConfType)
TABLE_COLUMNS = ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper")
# quantile.survfit's `tolerance` default, sqrt(.Machine$double.eps): the same value as aeqSurv's.
QUANTILE_TOLERANCE = TIME_TIE_TOLERANCE


@dataclass(frozen=True, slots=True)
class KaplanMeierFit:
    """A fitted Kaplan–Meier curve.

    table: one row per distinct time with at least one event — R's `summary(fit)` with its
        default `censored = FALSE` — columns `time, n_risk, n_event, n_censor, survival,
        std_err, lower, upper`. `std_err` is Greenwood's standard error of the survival itself
        (R's `summary()$std.err`, i.e. `fit$std.err * fit$surv`). `n_censor` follows
        `summary.survfit`: the censorings since the previous row's time, up to and including
        this row's time (censorings tied with an event count in that event's row; censorings
        after the last event time appear in no row, only in `curve`).
    curve: the same columns at every distinct time, censor-only times included — R's `survfit`
        object itself; here `n_censor` is the count at that very time. NaN stands for R's NA/NaN
        (e.g. the log-log limits where the survival is 0).
    median, median_ci: R's `quantile(fit, 0.5)`: the first time the curve (for the interval:
        the lower and the upper pointwise limit) reaches 0.5 or below; where it is flat at
        exactly 0.5 the midpoint of that stretch. None where it is never reached. Two edge cases
        where `print(fit)` (survmean's own rule) answers differently, and we follow quantile():
        a curve that ends flat at exactly 0.5 (quantile: midpoint of that stretch and the last
        time; print: where it reached 0.5), and a limit that is not monotone, which quantile()
        looks up by value (aml, conf.type "log": upper limit 48 by quantile, 45 by print).
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    median: float | None
    median_ci: tuple[float | None, float | None]
    conf_type: ConfType
    conf_level: float
    n: int
    n_events: int

    def survival_at(self, times: ArrayLike) -> FloatArray:
        """The step function at `times`, as R's `summary(fit, times = times)$surv`: 1 before the
        first event, the value of the last step at or before each time. NaN past the last
        follow-up time, where the curve is not defined (R drops such times). A single time
        gives an array of one."""
        query = numeric_values(np.atleast_1d(np.asarray(times)), field="times")
        reject_missing(query, field="times")
        curve_times = self.curve["time"].to_numpy(dtype=np.float64)
        survival = self.curve["survival"].to_numpy(dtype=np.float64)
        index = np.searchsorted(curve_times, query, side="right") - 1
        values = np.where(index >= 0, survival[np.maximum(index, 0)], 1.0)
        values[query > curve_times[-1]] = np.nan
        return values


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
) -> KaplanMeierFit:
    """Fit the Kaplan–Meier curve of right-censored `time` (≥ 0) with `event` (1 = event).

    `conf_type` is the scale of the pointwise limits: "log-log" (our default, which keeps the
    limits inside (0, 1); R's own default is "log"), "log", or "plain" (clipped to [0, 1] as R
    does). Times closer than R's `aeqSurv` tolerance are merged first, as `survfit` does.
    """
    if conf_type not in CONF_TYPES:
        raise RuleViolation(
            field="conf_type", rule="choice", message=f"{conf_type!r} is not one of {CONF_TYPES}"
        )
    if not 0 < conf_level < 1:
        raise RuleViolation(
            field="conf_level", rule="open_unit_interval", message=f"{conf_level} is not in (0, 1)"
        )
    times = survival_times(time, field="time")
    events = event_indicators(event, length=times.size, field="event", length_of="time")
    blocks = time_blocks(times)
    n_event = np.add.reduceat(events[blocks.order].astype(np.int64), blocks.starts)
    n_censor = blocks.sizes - n_event
    n_risk = (times.size - blocks.starts).astype(np.int64)
    survival: FloatArray = np.cumprod(1.0 - n_event / n_risk, dtype=np.float64)
    with np.errstate(divide="ignore"):
        # Greenwood: sum d / (n (n - d)); infinite once everyone at risk has the event (R too).
        greenwood = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    log_se = np.sqrt(np.cumsum(greenwood))
    lower, upper = confidence_limits(survival, log_se, conf_type, conf_level)
    with np.errstate(invalid="ignore"):
        std_err = log_se * survival  # inf × 0 is NaN, as in R
    curve = pd.DataFrame(
        {
            "time": blocks.times,
            "n_risk": n_risk,
            "n_event": n_event,
            "n_censor": n_censor,
            "survival": survival,
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
        },
        columns=list(TABLE_COLUMNS),
        copy=False,  # fresh arrays: skip pandas' consolidation copy (0.3 s at 1M times)
    )
    has_event = n_event > 0
    table = curve.loc[has_event].reset_index(drop=True)
    table["n_censor"] = np.diff(np.cumsum(n_censor)[has_event], prepend=0)

    start = np.concatenate(([0.0], blocks.times))
    median = _quantile_time(start, survival, 0.5)
    median_ci = (_quantile_time(start, lower, 0.5), _quantile_time(start, upper, 0.5))
    return KaplanMeierFit(
        table=table,
        curve=curve,
        median=median,
        median_ci=median_ci,
        conf_type=conf_type,
        conf_level=conf_level,
        n=int(times.size),
        n_events=int(events.sum()),
    )


def confidence_limits(
    survival: FloatArray, log_se: FloatArray, conf_type: ConfType, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise limits from the standard error of −log S, as `survival:::survfit_confint`
    (logse = TRUE): NaN where the transform is undefined (S = 0; S = 1 for log-log)."""
    z = float(special.ndtri(1 - (1 - conf_level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half_width = log_se * survival * z
            return np.maximum(survival - half_width, 0.0), np.minimum(survival + half_width, 1.0)
        if conf_type == "log":
            defined = np.where(survival == 0, np.nan, survival)
            half_width = z * log_se
            lower = np.exp(np.log(defined) - half_width)
            return lower, np.minimum(np.exp(np.log(defined) + half_width), 1.0)
        defined = np.where((survival == 0) | (survival == 1), np.nan, survival)
        half_width = z * log_se / np.log(defined)
        log_minus_log = np.log(-np.log(defined))
        return np.exp(-np.exp(log_minus_log - half_width)), np.exp(
            -np.exp(log_minus_log + half_width)
        )


def _quantile_time(
    start_and_times: FloatArray, curve: FloatArray, probability: float
) -> float | None:
    """The time the curve reaches 1 − `probability`, by `survival:::findq` (survival 3.5).

    R works on y = 1 − S with a leading (time 0, y 0) point, drops repeated y values (so a
    flat stretch keeps its first time), and looks up p in y ± tol with `approx(method =
    "constant", f = 1)`: the point with the smallest y + tol ≥ p gives the time S reaches p,
    the one with the smallest y − tol ≥ p the time it drops below; their midpoint is the
    answer, so a curve flat at exactly 1 − p answers the middle of the flat stretch. A curve
    that ends flat at 1 − p answers the midpoint of that stretch and the last time.
    """
    x = start_and_times
    y = np.concatenate(([0.0], 1.0 - curve))
    if np.all(np.isnan(y)) or np.nanmax(y) < probability:
        return None
    last_time = float(x[-1])
    _, first_of_value = np.unique(y, return_index=True)  # NaNs count as one value, like R
    keep = np.sort(first_of_value)
    x, y = x[keep], y[keep]

    def position(shifted: FloatArray) -> int | None:
        defined = ~np.isnan(shifted)
        if not defined.any() or probability < shifted[defined].min():
            return None
        candidates = np.flatnonzero(defined & (shifted >= probability))
        if candidates.size == 0:
            return None
        return int(candidates[np.argmin(shifted[candidates])])

    reach = position(y + QUANTILE_TOLERANCE)
    below = position(y - QUANTILE_TOLERANCE)
    if probability == 0:
        return float(x[0])
    if not np.isnan(y[-1]) and abs(probability - y[-1]) < QUANTILE_TOLERANCE and reach is not None:
        return float((x[reach] + last_time) / 2)
    if reach is None or below is None:
        return None
    return float((x[reach] + x[below]) / 2)
