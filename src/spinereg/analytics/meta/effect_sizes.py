"""Study-level effect sizes and their sampling variances, exactly as metafor's `escalc()`.

One function, `effect_size(measure, ...)`, with metafor's argument names and defaults
(metafor 3.8, `escalc`: `add = 1/2`, `to = "only0"`, `drop00 = FALSE`, `vtype = "LS"`), so a
row computed here can be checked against R one to one (tests/known_answers/meta_*.R).

Measures:

- "MD": raw mean difference m1i - m2i; vi = sd1i²/n1i + sd2i²/n2i (escalc's default, which is
  the same for vtype "LS" and "UB": no pooled variance is assumed).
- "SMD": Hedges' g. d = (m1i - m2i) / pooled SD, times the exact small-sample correction
  c(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)) with m = n1i + n2i - 2 (Hedges 1981; metafor's
  `.cmicalc`); vi = 1/n1i + 1/n2i + g²/(2(n1i + n2i)) (vtype "LS").
- "RR": log risk ratio from ai/n1i vs ci/n2i (or the four cells ai, bi, ci, di, with
  n1i = ai + bi and n2i = ci + di, as escalc takes either). A study with a zero cell (no
  events or only events in an arm) gets 1/2 added to all four cells (to = "only0"); a study
  with no events in either arm is kept with that correction, as metafor's default
  drop00 = FALSE does, unless `drop00=True`, which excludes it with a reason.
- "MC": raw mean change m1i - m2i with m1i the post and m2i the pre mean;
  vi = (sd1i² + sd2i² - 2 ri sd1i sd2i) / ni.
- "SMCR": standardised mean change with raw-score standardisation (Becker 1988):
  g = c(ni - 1) (m1i - m2i) / sd1i, vi = 2(1 - ri)/ni + g²/(2 ni). As in metafor, sd1i is the
  standardiser and should be the pre-treatment SD (escalc's help: "usually the pre-test standard
  deviation"); sd2i is not used.
- "PR": raw proportion xi/ni (or xi and non-events mi, ni = xi + mi), vi = p(1 - p)/ni;
  "PLO": logit, vi = 1/xi + 1/(ni - xi). For both, a study with 0 or ni events gets 1/2
  added to events and non-events (metafor applies to = "only0" to "PR" as well as "PLO").

The pre-post correlation ri is an assumption (it is almost never reported), so it is a required
argument for "MC" and "SMCR"; `spinereg.analytics.meta.sensitivity.sensitivity_over_correlation`
re-runs a pooled analysis over a grid of values.

Nothing is imputed. A row with a missing input gets yi = vi = NaN and an `Exclusion` naming the
missing argument; so does a row whose effect cannot be computed (zero pooled SD, zero variance,
double-zero trial under drop00).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from spinereg.core.errors import RuleViolation

MEASURES = ("MD", "SMD", "RR", "MC", "SMCR", "PR", "PLO")

# Arguments each measure needs, in metafor's names. sd2i is part of "MC" only: "SMCR"
# standardises by sd1i alone (escalc: "argument sd2i is actually not needed").
REQUIRED_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "MD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "SMD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "RR": ("ai", "n1i", "ci", "n2i"),
    "MC": ("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"),
    "SMCR": ("m1i", "m2i", "sd1i", "ni", "ri"),
    "PR": ("xi", "ni"),
    "PLO": ("xi", "ni"),
}

# escalc's default continuity correction (add = 1/2, to = "only0").
CONTINUITY_CORRECTION = 0.5


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A row that cannot enter a pooled analysis, and why (in words a reader can check)."""

    row: int
    label: str
    reason: str


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Effect sizes aligned with the input rows.

    `yi` and `vi` have one entry per input row, NaN where the row is excluded; `included` is the
    mask of rows that can be pooled, and `exclusions` says why each other row cannot.
    `corrected` marks rows that received the 1/2 continuity correction.
    """

    measure: str
    yi: NDArray[np.float64]
    vi: NDArray[np.float64]
    labels: tuple[str, ...]
    included: NDArray[np.bool_]
    corrected: NDArray[np.bool_]
    exclusions: tuple[Exclusion, ...]

    @property
    def included_yi(self) -> NDArray[np.float64]:
        return self.yi[self.included]

    @property
    def included_vi(self) -> NDArray[np.float64]:
        return self.vi[self.included]

    @property
    def included_labels(self) -> tuple[str, ...]:
        return tuple(label for label, keep in zip(self.labels, self.included, strict=True) if keep)


def _total(
    name: str,
    total: ArrayLike | None,
    events: ArrayLike | None,
    other_name: str,
    others: ArrayLike | None,
) -> ArrayLike | None:
    """An arm's size from its events and non-events (escalc: n1i = ai + bi), or as given; both
    given must agree."""
    if others is None or events is None:
        return total
    derived: NDArray[np.float64] = np.add(
        np.asarray(events, dtype=float), np.asarray(others, dtype=float)
    )
    if total is not None:
        given = np.asarray(total, dtype=float)
        if given.shape != derived.shape or not np.allclose(given, derived, equal_nan=True):
            raise RuleViolation(
                field=name,
                rule="consistent_counts",
                message=f"{name} differs from events + {other_name}; give one or the other",
            )
    return derived


def hedges_correction(degrees_of_freedom: NDArray[np.float64]) -> NDArray[np.float64]:
    """Exact small-sample bias correction c(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)).

    Hedges (1981), J Educ Stat 6:107; computed on the log scale as metafor's `.cmicalc` does,
    and NaN for m <= 1 where it is undefined.
    """
    m = np.asarray(degrees_of_freedom, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_c = gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2)
    return np.where(m <= 1, np.nan, np.exp(log_c))


def effect_size(
    measure: str,
    *,
    m1i: ArrayLike | None = None,
    m2i: ArrayLike | None = None,
    sd1i: ArrayLike | None = None,
    sd2i: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    xi: ArrayLike | None = None,
    mi: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    ri: ArrayLike | None = None,
    labels: Sequence[str] | None = None,
    drop00: bool = False,
) -> EffectSizes:
    """Effect sizes yi and sampling variances vi for `measure`, as metafor's `escalc()`.

    Arguments keep metafor's names (see the module docstring for which measure needs which).
    As in escalc, a 2x2 table may be given as cells (ai, bi, ci, di) or as events and arm
    sizes (ai, n1i, ci, n2i), and a proportion as events and non-events (xi, mi) or events
    and size (xi, ni). A scalar `ri` applies to every study. Missing values (None/NaN inside an
    array) exclude the row with a reason; impossible values (negative SD, events above n,
    |ri| > 1) raise `RuleViolation`, as escalc stops on them.
    """
    if measure not in MEASURES:
        raise RuleViolation(
            field="measure",
            rule="known_measure",
            message=f"{measure!r} is not one of {', '.join(MEASURES)}",
        )
    if measure == "RR":
        n1i = _total("n1i", n1i, ai, "bi", bi)
        n2i = _total("n2i", n2i, ci, "di", di)
    elif measure in ("PR", "PLO"):
        ni = _total("ni", ni, xi, "mi", mi)
    given = {
        "m1i": m1i,
        "m2i": m2i,
        "sd1i": sd1i,
        "sd2i": sd2i,
        "n1i": n1i,
        "n2i": n2i,
        "ai": ai,
        "ci": ci,
        "xi": xi,
        "ni": ni,
        "ri": ri,
    }
    needed = REQUIRED_ARGUMENTS[measure]
    for name in needed:
        if given[name] is None:
            raise RuleViolation(
                field=name,
                rule="required",
                message=f"measure {measure} needs {', '.join(needed)}; {name} is missing",
            )
    arrays = _as_aligned_arrays({name: given[name] for name in needed})
    k = len(next(iter(arrays.values())))
    row_labels = _row_labels(labels, k)
    missing = _missing_reasons(arrays, needed)
    _check_ranges(arrays)

    compute = _CALCULATORS[measure]
    with np.errstate(divide="ignore", invalid="ignore"):
        yi, vi, corrected, reasons = compute(arrays, drop00)

    exclusions: list[Exclusion] = []
    included = np.ones(k, dtype=bool)
    for row in range(k):
        reason = missing[row] or reasons[row]
        if reason is None and not (np.isfinite(yi[row]) and np.isfinite(vi[row])):
            reason = "effect size is not finite"
        if reason is None and vi[row] <= 0:
            reason = "sampling variance is zero"
        if reason is not None:
            included[row] = False
            exclusions.append(Exclusion(row=row, label=row_labels[row], reason=reason))
    yi = np.where(included, yi, np.nan)
    vi = np.where(included, vi, np.nan)
    return EffectSizes(
        measure=measure,
        yi=yi,
        vi=vi,
        labels=row_labels,
        included=included,
        corrected=corrected & included,
        exclusions=tuple(exclusions),
    )


Arrays = dict[str, NDArray[np.float64]]
Computed = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], list[str | None]]


def _as_aligned_arrays(given: dict[str, ArrayLike | None]) -> Arrays:
    arrays: Arrays = {}
    length: int | None = None
    first_name = ""
    for name, value in given.items():
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            raise RuleViolation(
                field=name, rule="numeric", message=f"must be numeric ({error})"
            ) from error
        if array.ndim > 1:
            raise RuleViolation(
                field=name, rule="one_dimensional", message="must be a scalar or a 1-D array"
            )
        arrays[name] = array
        if array.ndim == 1:
            if length is None:
                length, first_name = len(array), name
            elif len(array) != length:
                raise RuleViolation(
                    field=name,
                    rule="same_length",
                    message=f"has {len(array)} values but {first_name} has {length}",
                )
    if length is None:
        length = 1
    for name, array in arrays.items():
        if array.ndim == 0:
            if name != "ri":
                raise RuleViolation(
                    field=name,
                    rule="one_dimensional",
                    message="must be an array with one value per study (only ri may be a scalar)",
                )
            arrays[name] = np.full(length, float(array))
    if length == 0:
        raise RuleViolation(field=first_name, rule="not_empty", message="no studies given")
    return arrays


def _row_labels(labels: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"row {row}" for row in range(k))
    if len(labels) != k:
        raise RuleViolation(
            field="labels", rule="same_length", message=f"has {len(labels)} labels for {k} rows"
        )
    return tuple(str(label) for label in labels)


def _missing_reasons(arrays: Arrays, names: tuple[str, ...]) -> list[str | None]:
    k = len(next(iter(arrays.values())))
    reasons: list[str | None] = []
    for row in range(k):
        absent = [name for name in names if np.isnan(arrays[name][row])]
        reasons.append(f"{', '.join(absent)} missing" if absent else None)
    return reasons


def _check_ranges(arrays: Arrays) -> None:
    """The checks escalc stops on (its wording in brackets in each message)."""

    def fail(name: str, rule: str, message: str, rows: NDArray[np.bool_]) -> None:
        positions = ", ".join(str(int(row)) for row in np.flatnonzero(rows)[:5])
        raise RuleViolation(field=name, rule=rule, message=f"{message} (rows {positions})")

    for name in ("sd1i", "sd2i"):
        if name in arrays and np.any(arrays[name] < 0):
            fail(name, "non_negative", "standard deviations must be >= 0", arrays[name] < 0)
    for name in ("n1i", "n2i", "ni"):
        if name in arrays and np.any(arrays[name] <= 0):
            fail(name, "positive", "group sizes must be > 0", arrays[name] <= 0)
    for name in ("ai", "ci", "xi"):
        if name in arrays and np.any(arrays[name] < 0):
            fail(name, "non_negative", "event counts must be >= 0", arrays[name] < 0)
    for events, size in (("ai", "n1i"), ("ci", "n2i"), ("xi", "ni")):
        if events in arrays and size in arrays:
            above = arrays[events] > arrays[size]
            if np.any(above):
                fail(events, "at_most_n", f"event counts must not exceed {size}", above)
    if "ri" in arrays and np.any(np.abs(arrays["ri"]) > 1):
        fail(
            "ri", "correlation_range", "correlations must lie in [-1, 1]", np.abs(arrays["ri"]) > 1
        )


def _no_reasons(k: int) -> list[str | None]:
    return [None] * k


def _mean_difference(arrays: Arrays, drop00: bool) -> Computed:
    m1, m2, sd1, sd2 = arrays["m1i"], arrays["m2i"], arrays["sd1i"], arrays["sd2i"]
    n1, n2 = arrays["n1i"], arrays["n2i"]
    yi = m1 - m2
    vi = sd1**2 / n1 + sd2**2 / n2
    reasons: list[str | None] = [
        "sampling variance is zero (both SDs are zero)" if v == 0 else None for v in vi
    ]
    return yi, vi, np.zeros(len(yi), dtype=bool), reasons


def _standardised_mean_difference(arrays: Arrays, drop00: bool) -> Computed:
    m1, m2, sd1, sd2 = arrays["m1i"], arrays["m2i"], arrays["sd1i"], arrays["sd2i"]
    n1, n2 = arrays["n1i"], arrays["n2i"]
    degrees_of_freedom = n1 + n2 - 2
    pooled_sd = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / degrees_of_freedom)
    d = (m1 - m2) / pooled_sd
    yi = hedges_correction(degrees_of_freedom) * d
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    reasons: list[str | None] = []
    for row in range(len(yi)):
        if degrees_of_freedom[row] <= 1:
            reasons.append("n1i + n2i - 2 <= 1: Hedges' correction is undefined")
        elif pooled_sd[row] == 0:
            reasons.append("pooled SD is zero")
        else:
            reasons.append(None)
    return yi, vi, np.zeros(len(yi), dtype=bool), reasons


def _log_risk_ratio(arrays: Arrays, drop00: bool) -> Computed:
    ai, ci = arrays["ai"].copy(), arrays["ci"].copy()
    bi, di = arrays["n1i"] - ai, arrays["n2i"] - ci
    reasons = _no_reasons(len(ai))
    double_zero = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    if drop00:
        for row in np.flatnonzero(double_zero):
            reasons[row] = "no events (or only events) in both arms; excluded as with drop00=TRUE"
    corrected = (ai == 0) | (ci == 0) | (bi == 0) | (di == 0)
    if drop00:
        corrected &= ~double_zero
    add = np.where(corrected, CONTINUITY_CORRECTION, 0.0)
    ai, bi, ci, di = ai + add, bi + add, ci + add, di + add
    n1, n2 = ai + bi, ci + di
    yi = np.log(ai / n1) - np.log(ci / n2)
    vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
    return yi, vi, corrected, reasons


def _mean_change(arrays: Arrays, drop00: bool) -> Computed:
    m1, m2, sd1, sd2 = arrays["m1i"], arrays["m2i"], arrays["sd1i"], arrays["sd2i"]
    n, r = arrays["ni"], arrays["ri"]
    yi = m1 - m2
    vi = (sd1**2 + sd2**2 - 2 * r * sd1 * sd2) / n
    reasons: list[str | None] = [
        "sampling variance is zero (SDs equal and ri = 1)" if v == 0 else None for v in vi
    ]
    return yi, vi, np.zeros(len(yi), dtype=bool), reasons


def _standardised_mean_change(arrays: Arrays, drop00: bool) -> Computed:
    m1, m2, sd1 = arrays["m1i"], arrays["m2i"], arrays["sd1i"]
    n, r = arrays["ni"], arrays["ri"]
    yi = hedges_correction(n - 1) * (m1 - m2) / sd1
    vi = 2 * (1 - r) / n + yi**2 / (2 * n)
    reasons: list[str | None] = []
    for row in range(len(yi)):
        if n[row] - 1 <= 1:
            reasons.append("ni - 1 <= 1: Hedges' correction is undefined")
        elif sd1[row] == 0:
            reasons.append("sd1i (the standardising pre-treatment SD) is zero")
        else:
            reasons.append(None)
    return yi, vi, np.zeros(len(yi), dtype=bool), reasons


def _proportion_cells(
    arrays: Arrays,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    xi = arrays["xi"]
    mi = arrays["ni"] - xi
    corrected = (xi == 0) | (mi == 0)
    add = np.where(corrected, CONTINUITY_CORRECTION, 0.0)
    return xi + add, mi + add, corrected


def _raw_proportion(arrays: Arrays, drop00: bool) -> Computed:
    xi, mi, corrected = _proportion_cells(arrays)
    n = xi + mi
    p = xi / n
    return p, p * (1 - p) / n, corrected, _no_reasons(len(p))


def _logit_proportion(arrays: Arrays, drop00: bool) -> Computed:
    xi, mi, corrected = _proportion_cells(arrays)
    p = xi / (xi + mi)
    return np.log(p / (1 - p)), 1 / xi + 1 / mi, corrected, _no_reasons(len(p))


_CALCULATORS = {
    "MD": _mean_difference,
    "SMD": _standardised_mean_difference,
    "RR": _log_risk_ratio,
    "MC": _mean_change,
    "SMCR": _standardised_mean_change,
    "PR": _raw_proportion,
    "PLO": _logit_proportion,
}
