"""Score one completed form: answers by linkId in, a frozen `Score` out.

Rules come from the instrument's definition file (see spec.py), never from branches here:
- missing answers (absent key, None or NaN) shrink the denominator of a mean or an ODI percent
  (Fairbank & Pynsent 2000, Spine 25:2940); a part with fewer than its `minAnswered` items is
  None with reason "insufficient_items" (ODI ≥ 8 of 10, BPI interference ≥ 4 of 7 per
  Cleeland's User Guide, BPI severity and PEG need all items);
- a double-ticked ODI section (a list or tuple of two codes) scores the higher code, as
  DOMAIN.md §1.2 records (common practice, unverified against Fairbank's text); other
  instruments refuse lists;
- scores are unrounded floats: Fairbank's 16 of 45 is 35.555…, displayed as 35.6, never
  truncated to 35.5.

`score_frame` (frame.py) computes the same numbers with the same operations in the same order,
so the two agree exactly, not just approximately.
"""

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments.catalogue import load_instrument
from spinereg.core.instruments.spec import (
    MULTIPLE_ANSWERS_HIGHEST,
    Instrument,
    Item,
    ScoreKind,
    ScorePart,
)

INSUFFICIENT_ITEMS = "insufficient_items"

# Tolerance, in units of the last allowed decimal, for a decimal answer such as 45.3 whose
# binary form is 45.29999…: it is on the 0.1 grid, 45.35 is not.
DECIMAL_GRID_TOLERANCE = 1e-6

Answer: TypeAlias = float | int | Sequence[float | int] | None


@dataclass(frozen=True, slots=True)
class Score:
    """A scored form. `value` is None when the form cannot be scored honestly, and `reason`
    says why; `subscores` holds the instrument's subscales (BPI severity and interference),
    each None when its own minimum of answered items is not met. `category` is the English
    label of the answer for categorical instruments (VPS, PGIC)."""

    instrument_id: str
    version: str
    scoring_version: str
    value: float | None
    subscores: dict[str, float | None]
    answered: int
    reason: str | None
    category: str | None = None


def resolve_instrument(instrument: str | Instrument) -> Instrument:
    return instrument if isinstance(instrument, Instrument) else load_instrument(instrument)


def _is_missing(answer: object) -> bool:
    """None or NaN (of any float type): the unanswered marks of a dict and of a frame."""
    if answer is None:
        return True
    return (
        isinstance(answer, numbers.Real)
        and not isinstance(answer, bool)
        and math.isnan(float(answer))
    )


def check_answer(item: Item, answer: object) -> float:
    """The answer as a float, or RuleViolation naming the item and what it allows."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise RuleViolation(
            field=item.link_id,
            rule="numeric_answer",
            message=f"{answer!r} is not a number; allowed: {item.allowed_text()}",
        )
    value = float(answer)
    if not item.minimum <= value <= item.maximum:  # also refuses ±inf
        raise RuleViolation(
            field=item.link_id,
            rule="item_range",
            message=f"{value:g} is outside the allowed range; allowed: {item.allowed_text()}",
        )
    if item.is_whole_number and value != math.floor(value):
        raise RuleViolation(
            field=item.link_id,
            rule="whole_number",
            message=f"{value:g} is not a whole number; allowed: {item.allowed_text()}",
        )
    if item.codes is not None and not item.is_contiguous and int(value) not in item.codes:
        raise RuleViolation(
            field=item.link_id,
            rule="item_code",
            message=f"{value:g} is not an answer code; allowed: {item.allowed_text()}",
        )
    if item.decimal_places:
        scaled = value * 10**item.decimal_places
        if abs(scaled - round(scaled)) > DECIMAL_GRID_TOLERANCE:
            raise RuleViolation(
                field=item.link_id,
                rule="decimal_places",
                message=f"{value!r} has too many decimals; allowed: {item.allowed_text()}",
            )
    return value


def resolve_answer(instrument: Instrument, item: Item, answer: object) -> float | None:
    """One cell: None when unanswered, the checked number, or the higher of two ticks."""
    if _is_missing(answer):
        return None
    if isinstance(answer, (list, tuple)):
        if instrument.multiple_answers != MULTIPLE_ANSWERS_HIGHEST:
            raise RuleViolation(
                field=item.link_id,
                rule="single_answer",
                message=f"{instrument.id} takes one answer per item, got {answer!r}",
            )
        if not 1 <= len(answer) <= 2:
            raise RuleViolation(
                field=item.link_id,
                rule="at_most_two_ticks",
                message=f"a double-ticked section has two codes, got {answer!r}",
            )
        # The higher of two ticked statements is scored (DOMAIN.md §1.2).
        return max(check_answer(item, code) for code in answer)
    return check_answer(item, answer)


def part_value(part: ScorePart, instrument: Instrument, values: Mapping[str, float]) -> float:
    """A part's score from its answered items; the caller has checked `min_answered`. The
    arithmetic matches frame.py operation for operation (item order, then one division)."""
    total = 0.0
    for link_id in part.link_ids:
        if link_id in values:
            total += values[link_id]
    answered = sum(1 for link_id in part.link_ids if link_id in values)
    if part.kind is ScoreKind.VALUE or part.kind is ScoreKind.SUM:
        return total
    if part.kind is ScoreKind.MEAN:
        return total / answered
    maximum = 0.0
    for link_id in part.link_ids:
        if link_id in values:
            maximum += instrument.item(link_id).maximum
    return total * 100.0 / maximum


def score(instrument: str | Instrument, answers: Mapping[str, Answer]) -> Score:
    """Score one form of `instrument` (an id such as "odi-2.1a", or an Instrument built with
    `instrument_from_questionnaire`). `answers` maps linkId → number; an absent key, None or
    NaN is unanswered. Out-of-range answers, fractions where whole numbers are required, and
    unknown linkIds raise RuleViolation (a ValueError) naming the item and what it allows."""
    spec = resolve_instrument(instrument)
    values: dict[str, float] = {}
    for link_id, answer in answers.items():
        item = spec.item(link_id)
        resolved = resolve_answer(spec, item, answer)
        if resolved is not None:
            values[link_id] = resolved
    results: dict[str, float | None] = {}
    for part in spec.parts:
        answered = sum(1 for link_id in part.link_ids if link_id in values)
        results[part.name] = (
            part_value(part, spec, values) if answered >= part.min_answered else None
        )
    value = results[spec.value_part]
    category = None
    if spec.reports_category and value is not None:
        item = spec.item(spec.part(spec.value_part).link_ids[0])
        assert item.codes is not None  # checked when the instrument was built
        category = item.code_labels[item.codes.index(int(value))]
    return Score(
        instrument_id=spec.id,
        version=spec.version,
        scoring_version=spec.scoring_version,
        value=value,
        subscores={name: results[name] for name in spec.subscore_names},
        answered=sum(1 for link_id in spec.link_ids if link_id in values),
        reason=None if value is not None else INSUFFICIENT_ITEMS,
        category=category,
    )
