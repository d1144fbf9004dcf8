"""Responder definitions and minimal important changes as data (data/responders.json, from
DOMAIN.md §2), and their evaluation for one patient (`evaluate`) or many (`evaluate_frame`).

Change = baseline − follow-up when a lower score is better (every shipped definition), so a
positive change is an improvement; a percent definition divides the change by the baseline and
stores its threshold as a fraction (0.30 = 30%). The answer is three-valued: True (responder),
False (not), None (undefined: a value is missing, or the baseline is one where the rule does
not apply, such as ODI₀ < 10 for odi_pct30 or a zero baseline for any percent rule, since
change ÷ 0 has no meaning).

A threshold is met when the change reaches it within `ROUNDING_TOLERANCE`: ODI scores are
fractions such as 320/9, and "exactly 30%" computed in binary floating point can land a few
units in the 16th digit below 0.3. Without the tolerance a patient exactly at the threshold
would flip to non-responder depending on rounding.

`composite_disc` (DOMAIN.md §2, unverified) needs three inputs: a pain percent rule, an ODI
points rule, and whether the patient was re-treated at the index level. It is evaluated with
Kleene's three-valued AND (one False makes False; otherwise one unknown makes None).
"""

from __future__ import annotations  # pandas-stubs generics (pd.Series[Any]) are not runtime types

import json
import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments import instrument_ids, load_instrument

ROUNDING_TOLERANCE = 1e-9
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
EVIDENCE_LEVELS = ("conv", "ours", "unverified")  # DOMAIN.md markers


class ResponderKind(StrEnum):
    ABSOLUTE = "absolute"  # change in score points (or mm, or categories)
    PERCENT = "percent"  # change as a fraction of baseline


class Comparison(StrEnum):
    AT_LEAST = ">="
    MORE_THAN = ">"


class Direction(StrEnum):
    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


@dataclass(frozen=True, slots=True)
class ResponderDefinition:
    """One named responder rule. `score` is "value" or a subscore name of the instrument
    (bpi_int_1pt reads "interference")."""

    id: str
    instrument_id: str
    score: str
    kind: ResponderKind
    threshold: float
    comparison: Comparison
    direction: Direction
    undefined_below: float | None  # undefined when baseline < this
    undefined_at_zero: bool  # undefined when baseline == 0 (required for percent rules)
    label: str
    source: str
    evidence: str

    def score_range(self) -> tuple[float, float]:
        instrument = load_instrument(self.instrument_id)
        return instrument.score_range(None if self.score == "value" else self.score)


@dataclass(frozen=True, slots=True)
class CompositeDefinition:
    """Pain rule AND function rule AND (optionally) no re-intervention at the index level."""

    id: str
    pain: ResponderDefinition
    function: ResponderDefinition
    requires_no_reintervention: bool
    label: str
    source: str
    evidence: str


_DEFINITION_KEYS = frozenset(
    {
        "id",
        "instrument",
        "score",
        "kind",
        "threshold",
        "comparison",
        "direction",
        "undefined_below",
        "undefined_at_zero",
        "label",
        "source",
        "evidence",
    }
)


def _require_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleViolation(field=key, rule="required_text", message="must be non-empty text")
    return value


EnumT = TypeVar("EnumT", bound=StrEnum)


def _choice(data: Mapping[str, Any], key: str, enum: type[EnumT]) -> EnumT:
    try:
        return enum(str(data.get(key)))
    except ValueError:
        raise RuleViolation(
            field=key,
            rule=f"known_{key}",
            message=f"{data.get(key)!r} is not one of " + ", ".join(repr(str(m)) for m in enum),
        ) from None


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise RuleViolation(field=key, rule="finite_number", message=f"{value!r} is not a number")
    return float(value)


def definition_from_dict(data: Mapping[str, Any]) -> ResponderDefinition:
    """Build and check a responder definition, e.g. a clinic's own. Every field of the JSON
    format is required (no silent defaults) and unknown keys are refused, so a misspelt
    "treshold" fails here instead of never counting anyone."""
    unknown = sorted(set(data) - _DEFINITION_KEYS)
    missing = sorted(_DEFINITION_KEYS - set(data))
    if unknown or missing:
        raise RuleViolation(
            field=(unknown or missing)[0],
            rule="known_fields",
            message=(f"unknown field(s): {', '.join(unknown)}" if unknown else "")
            + ("; " if unknown and missing else "")
            + (f"missing field(s): {', '.join(missing)}" if missing else ""),
        )
    identifier = _require_text(data, "id")
    if not ID_PATTERN.match(identifier):
        raise RuleViolation(
            field="id", rule="id_format", message=f"{identifier!r}: use lower_snake_case"
        )
    instrument_id = _require_text(data, "instrument")
    if instrument_id not in instrument_ids():
        raise RuleViolation(
            field="instrument",
            rule="known_instrument",
            message=f"{instrument_id!r} is not one of " + ", ".join(instrument_ids()),
        )
    instrument = load_instrument(instrument_id)
    score_name = _require_text(data, "score")
    if score_name != "value" and score_name not in instrument.subscore_names:
        raise RuleViolation(
            field="score",
            rule="known_score",
            message=f"{score_name!r}: use 'value' or one of {', '.join(instrument.subscore_names)}",
        )
    kind = _choice(data, "kind", ResponderKind)
    threshold = _number(data, "threshold")
    low, high = instrument.score_range(None if score_name == "value" else score_name)
    if threshold <= 0:
        raise RuleViolation(field="threshold", rule="positive_threshold", message="must be > 0")
    if kind is ResponderKind.PERCENT and threshold > 1:
        raise RuleViolation(
            field="threshold",
            rule="percent_as_fraction",
            message=f"{threshold:g} > 1: give a percent threshold as a fraction (0.30 = 30%)",
        )
    if kind is ResponderKind.ABSOLUTE and threshold > high - low:
        raise RuleViolation(
            field="threshold",
            rule="reachable_threshold",
            message=f"{threshold:g} exceeds the score's whole range {low:g}–{high:g}",
        )
    undefined_below = data.get("undefined_below")
    if undefined_below is not None:
        undefined_below = _number(data, "undefined_below")
        if not low <= undefined_below <= high:
            raise RuleViolation(
                field="undefined_below",
                rule="within_score_range",
                message=f"{undefined_below:g} is outside the score range {low:g}–{high:g}",
            )
    undefined_at_zero = data.get("undefined_at_zero")
    if not isinstance(undefined_at_zero, bool):
        raise RuleViolation(
            field="undefined_at_zero", rule="boolean", message="must be true or false"
        )
    if kind is ResponderKind.PERCENT and not undefined_at_zero:
        raise RuleViolation(
            field="undefined_at_zero",
            rule="percent_of_zero",
            message="a percent rule is undefined at a zero baseline (change ÷ 0); set true",
        )
    evidence = _require_text(data, "evidence")
    if evidence not in EVIDENCE_LEVELS:
        raise RuleViolation(
            field="evidence",
            rule="known_evidence",
            message=f"{evidence!r} is not one of {', '.join(EVIDENCE_LEVELS)}",
        )
    return ResponderDefinition(
        id=identifier,
        instrument_id=instrument_id,
        score=score_name,
        kind=kind,
        threshold=threshold,
        comparison=_choice(data, "comparison", Comparison),
        direction=_choice(data, "direction", Direction),
        undefined_below=undefined_below,
        undefined_at_zero=undefined_at_zero,
        label=_require_text(data, "label"),
        source=_require_text(data, "source"),
        evidence=evidence,
    )


@cache
def _catalogue() -> tuple[dict[str, ResponderDefinition], dict[str, CompositeDefinition]]:
    text = resources.files("spinereg.core.data").joinpath("responders.json").read_text("utf-8")
    data = json.loads(text)
    found: dict[str, ResponderDefinition] = {}
    for entry in data["definitions"]:
        definition = definition_from_dict(entry)
        if definition.id in found:
            raise RuleViolation(field="id", rule="distinct_ids", message=f"{definition.id} twice")
        found[definition.id] = definition
    composites = {
        entry["id"]: CompositeDefinition(
            id=entry["id"],
            pain=found[entry["pain"]],
            function=found[entry["function"]],
            requires_no_reintervention=bool(entry["requires_no_reintervention"]),
            label=entry["label"],
            source=entry["source"],
            evidence=entry["evidence"],
        )
        for entry in data["composites"]
    }
    return found, composites


def definitions() -> dict[str, ResponderDefinition]:
    """The shipped definitions by id, in file order (a fresh dict; add a clinic's own to it)."""
    return dict(_catalogue()[0])


def composites() -> dict[str, CompositeDefinition]:
    return dict(_catalogue()[1])


def resolve_definition(definition: str | ResponderDefinition) -> ResponderDefinition:
    if isinstance(definition, ResponderDefinition):
        return definition
    shipped = _catalogue()[0]
    if definition not in shipped:
        raise RuleViolation(
            field="definition",
            rule="known_definition",
            message=f"{definition!r} is not a responder definition; known: " + ", ".join(shipped),
        )
    return shipped[definition]


def _scalar(field: str, value: object, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RuleViolation(field=field, rule="numeric_score", message=f"{value!r} is not a number")
    number = float(value)
    if math.isnan(number):
        return None
    if not low <= number <= high:
        raise RuleViolation(
            field=field,
            rule="score_range",
            message=f"{number:g} is outside the score range {low:g}–{high:g}",
        )
    return number


def evaluate(
    definition: str | ResponderDefinition, baseline: float | None, follow_up: float | None
) -> bool | None:
    """Is this patient a responder by `definition` (an id such as "odi_pct30", or a
    ResponderDefinition)? None when a score is missing (None or NaN) or the rule is undefined
    for this baseline."""
    rule = resolve_definition(definition)
    low, high = rule.score_range()
    start = _scalar("baseline", baseline, low, high)
    end = _scalar("follow_up", follow_up, low, high)
    if start is None or end is None:
        return None
    if rule.undefined_below is not None and start < rule.undefined_below:
        return None
    if rule.undefined_at_zero and start == 0:
        return None
    change = start - end if rule.direction is Direction.LOWER_IS_BETTER else end - start
    measure = change / start if rule.kind is ResponderKind.PERCENT else change
    if rule.comparison is Comparison.AT_LEAST:
        return measure >= rule.threshold - ROUNDING_TOLERANCE
    return measure > rule.threshold + ROUNDING_TOLERANCE


def _vector(field: str, values: Any, low: float, high: float) -> npt.NDArray[np.float64]:
    if isinstance(values, pd.Series):
        if pd.api.types.is_bool_dtype(values.dtype):
            raise RuleViolation(field=field, rule="numeric_score", message="holds booleans")
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise RuleViolation(
                field=field, rule="numeric_score", message="holds values that are not numbers"
            ) from None
    if array.ndim != 1:
        raise RuleViolation(field=field, rule="one_dimensional", message="must be 1-dimensional")
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(array) & ~((array >= low) & (array <= high))
    if outside.any():
        position = int(np.flatnonzero(outside)[0])
        label = values.index[position] if isinstance(values, pd.Series) else position
        raise RuleViolation(
            field=field,
            rule="score_range",
            message=f"row {label!r}: {array[position]:g} is outside the score range "
            f"{low:g}–{high:g}",
        )
    return array


def evaluate_frame(
    definition: str | ResponderDefinition, baseline: Any, follow_up: Any
) -> pd.Series[Any]:
    """`evaluate` over arrays or Series of equal length, as a pandas nullable boolean Series
    (<NA> where `evaluate` gives None). The index is the baseline's when it is a Series."""
    rule = resolve_definition(definition)
    low, high = rule.score_range()
    start = _vector("baseline", baseline, low, high)
    end = _vector("follow_up", follow_up, low, high)
    if start.shape != end.shape:
        raise RuleViolation(
            field="follow_up",
            rule="same_length",
            message=f"{end.size} values for {start.size} baselines",
        )
    undefined = np.isnan(start) | np.isnan(end)
    if rule.undefined_below is not None:
        undefined |= start < rule.undefined_below
    if rule.undefined_at_zero:
        undefined |= start == 0
    change = start - end if rule.direction is Direction.LOWER_IS_BETTER else end - start
    if rule.kind is ResponderKind.PERCENT:
        measure = np.divide(change, start, out=np.zeros_like(change), where=~undefined)
    else:
        measure = change
    with np.errstate(invalid="ignore"):
        if rule.comparison is Comparison.AT_LEAST:
            met = measure >= rule.threshold - ROUNDING_TOLERANCE
        else:
            met = measure > rule.threshold + ROUNDING_TOLERANCE
    result = pd.arrays.BooleanArray(met & ~undefined, undefined)
    index = baseline.index if isinstance(baseline, pd.Series) else None
    return pd.Series(result, index=index, name=rule.id)


@contextmanager
def _fields_prefixed(prefix: str) -> Iterator[None]:
    """Name the composite's own arguments (pain_baseline, odi_follow_up) in errors."""
    try:
        yield
    except RuleViolation as error:
        raise RuleViolation(
            field=prefix + error.field, rule=error.rule, message=error.message
        ) from None


def _kleene_and(values: Sequence[bool | None]) -> bool | None:
    if any(value is False for value in values):
        return False
    if any(value is None for value in values):
        return None
    return True


def evaluate_composite_disc(
    pain_baseline: float | None,
    pain_follow_up: float | None,
    odi_baseline: float | None,
    odi_follow_up: float | None,
    reintervened: bool | None,
    *,
    pain_definition: str | ResponderDefinition | None = None,
) -> bool | None:
    """composite_disc: pain improved ≥ 50% AND ODI improved ≥ 15 points AND no surgery or
    re-injection at the index level (`reintervened` False). Pain is the NRS by default
    (nrs_pct50); pass pain_definition="vas_pct50" for VAS scores. Three-valued: a single
    failed component gives False even when others are unknown."""
    composite = composites()["composite_disc"]
    pain_rule = composite.pain if pain_definition is None else resolve_definition(pain_definition)
    with _fields_prefixed("pain_"):
        pain = evaluate(pain_rule, pain_baseline, pain_follow_up)
    with _fields_prefixed("odi_"):
        function = evaluate(composite.function, odi_baseline, odi_follow_up)
    parts = [pain, function]
    if composite.requires_no_reintervention:
        if reintervened is not None and not isinstance(reintervened, bool):
            raise RuleViolation(
                field="reintervened",
                rule="boolean",
                message=f"{reintervened!r}: True, False or None",
            )
        parts.append(None if reintervened is None else not reintervened)
    return _kleene_and(parts)


def evaluate_composite_disc_frame(
    pain_baseline: Any,
    pain_follow_up: Any,
    odi_baseline: Any,
    odi_follow_up: Any,
    reintervened: Any,
    *,
    pain_definition: str | ResponderDefinition | None = None,
) -> pd.Series[Any]:
    """`evaluate_composite_disc` over arrays or Series; pandas' nullable booleans follow the
    same Kleene logic, so the rows agree with the scalar function."""
    composite = composites()["composite_disc"]
    pain_rule = composite.pain if pain_definition is None else resolve_definition(pain_definition)
    with _fields_prefixed("pain_"):
        pain = evaluate_frame(pain_rule, pain_baseline, pain_follow_up).array
    with _fields_prefixed("odi_"):
        function = evaluate_frame(composite.function, odi_baseline, odi_follow_up).array
    result = pain & function
    if composite.requires_no_reintervention:
        try:
            treated = pd.array(reintervened, dtype="boolean")
        except (TypeError, ValueError):
            raise RuleViolation(
                field="reintervened", rule="boolean", message="must hold True, False or missing"
            ) from None
        if len(treated) != len(result):
            raise RuleViolation(
                field="reintervened",
                rule="same_length",
                message=f"{len(treated)} values for {len(result)} baselines",
            )
        result = result & ~treated
    index = pain_baseline.index if isinstance(pain_baseline, pd.Series) else None
    return pd.Series(result, index=index, name=composite.id)
