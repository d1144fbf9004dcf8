"""The candidacy engine: a patient's pre-screen answers against the BMAC candidacy rules, which
are data (data/candidacy_rules.json, taken from the trial criteria and red flags of DOMAIN.md
§3), giving one of three outcomes with every rule's result and a reason in plain words, one
wording for the patient (English and Spanish) and one for the clinician.

The engine supports the physician's decision; it never makes it. "Likely candidate" means
only that no evaluated criterion speaks against BMAC: the MRI-based criteria (Pfirrmann grade,
disc height, Modic, levels, discography), BMI and psychology are judged at the consultation.

How a result is reached, in order (`evaluate`):

1. a failed red-flag rule → not a candidate, and the patient is told to seek medical care now
   (DOMAIN.md §3.2: "Red flags → not a candidate, refer");
2. any other failed rule whose outcome is "exclude" → not a candidate;
3. a failed "review" rule, or a rule whose input was not answered → needs physician review;
4. otherwise → likely candidate.

A rule states a criterion the patient should meet (`input` `operator` `threshold`); it is
`passed` or `failed`, `missing` when the input was not answered, and `not_applicable` when its
`applies_if` condition is false (a surgery rule for someone who had no surgery). Thresholds on
numbers are compared within `ROUNDING_TOLERANCE`, as for the responder rules: ODI is a fraction
such as 100 × 27 / 45 and must not flip at a boundary through binary rounding.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from spinereg.core.errors import RuleViolation

ROUNDING_TOLERANCE = 1e-9
LANGUAGES = ("en", "es")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDERS = {"value", "threshold", "label"}

Value = float | bool | str


class Outcome(StrEnum):
    LIKELY_CANDIDATE = "likely_candidate"
    NOT_CANDIDATE = "not_candidate"
    NEEDS_REVIEW = "needs_review"


class RuleStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    MISSING = "missing"


class Category(StrEnum):
    RED_FLAG = "red_flag"
    EXCLUSION = "exclusion"
    INCLUSION = "inclusion"


class Effect(StrEnum):
    """What a failed rule does to the outcome."""

    EXCLUDE = "exclude"
    REVIEW = "review"


class Operator(StrEnum):
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    EQ = "eq"
    NE = "ne"
    IN = "in"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"


class InputType(StrEnum):
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"


NUMERIC_OPERATORS = (Operator.GT, Operator.GE, Operator.LT, Operator.LE)
CHOICE_OPERATORS = (Operator.EQ, Operator.NE, Operator.IN)
BOOLEAN_OPERATORS = (Operator.IS_TRUE, Operator.IS_FALSE)
OPERATORS_BY_TYPE = {
    InputType.NUMBER: NUMERIC_OPERATORS,
    InputType.CHOICE: CHOICE_OPERATORS,
    InputType.BOOLEAN: BOOLEAN_OPERATORS,
}


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One pre-screen answer the rules may read."""

    name: str
    type: InputType
    label: Mapping[str, str]  # language → text
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    informational: bool = False  # shown to the clinician, read by no rule


@dataclass(frozen=True, slots=True)
class Condition:
    input: str
    operator: Operator
    threshold: float | str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: Category
    criterion: Condition
    outcome: Effect
    applies_if: Condition | None
    patient: Mapping[str, Mapping[str, str]]  # status (passed/failed) → language → text
    clinician: Mapping[str, str]  # status (passed/failed) → text
    source: str


@dataclass(frozen=True, slots=True)
class Wording:
    missing_patient: Mapping[str, str]
    missing_clinician: str
    not_applicable_patient: Mapping[str, str]
    not_applicable_clinician: str
    outcome_patient: Mapping[str, Mapping[str, str]]  # outcome → language → text
    outcome_clinician: Mapping[str, str]
    seek_care_now: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: str
    title: str
    source: str
    inputs: Mapping[str, InputSpec]
    rules: tuple[Rule, ...]
    wording: Wording

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's outcome for one patient, with both reasons."""

    rule_id: str
    category: Category
    status: RuleStatus
    effect: Effect | None  # the rule's outcome when it failed or was not answered, else None
    value: Value | None
    patient_reason: Mapping[str, str]  # language → text
    clinician_reason: str
    source: str

    @property
    def is_red_flag(self) -> bool:
        return self.category is Category.RED_FLAG and self.status is RuleStatus.FAILED


@dataclass(frozen=True, slots=True)
class CandidacyResult:
    outcome: Outcome
    rules: tuple[RuleResult, ...]
    red_flags: tuple[str, ...]  # ids of the failed red-flag rules
    rules_id: str
    rules_version: str
    patient_summary: Mapping[str, str] = field(default_factory=dict)
    clinician_summary: str = ""
    seek_care_now_message: Mapping[str, str] = field(default_factory=dict)  # empty: no flag

    @property
    def seek_care_now(self) -> bool:
        return bool(self.red_flags)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form, stored with the pre-screen so the result shown later is the one
        the patient saw, whatever the rules file says by then."""
        return {
            "outcome": self.outcome.value,
            "rules_id": self.rules_id,
            "rules_version": self.rules_version,
            "red_flags": list(self.red_flags),
            "seek_care_now": self.seek_care_now,
            "seek_care_now_message": dict(self.seek_care_now_message),
            "patient_summary": dict(self.patient_summary),
            "clinician_summary": self.clinician_summary,
            "rules": [
                {
                    "rule_id": result.rule_id,
                    "category": result.category.value,
                    "status": result.status.value,
                    "effect": result.effect.value if result.effect else None,
                    "value": result.value,
                    "patient_reason": dict(result.patient_reason),
                    "clinician_reason": result.clinician_reason,
                    "source": result.source,
                }
                for result in self.rules
            ],
        }


# --------------------------------------------------------------------------- loading the rules


def _require(condition: bool, field_name: str, rule: str, message: str) -> None:
    if not condition:
        raise RuleViolation(field=field_name, rule=rule, message=message)


def _text_by_language(raw: Any, where: str) -> dict[str, str]:
    _require(isinstance(raw, Mapping), where, "wording", "needs a text per language")
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        text = raw.get(language)
        _require(
            isinstance(text, str) and bool(text.strip()),
            f"{where}.{language}",
            "wording",
            f"needs a non-empty {language} text",
        )
        _check_placeholders(text, f"{where}.{language}")
        texts[language] = text
    return texts


def _check_placeholders(text: str, where: str) -> None:
    names = set(re.findall(r"{([^{}]*)}", text))
    unknown = names - PLACEHOLDERS
    _require(
        not unknown,
        where,
        "placeholders",
        f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}",
    )


def _parse_input(name: str, raw: Any) -> InputSpec:
    where = f"inputs.{name}"
    _require(bool(ID_PATTERN.match(name)), where, "id_format", "lower-case letters, digits, _")
    _require(isinstance(raw, Mapping), where, "input", "must be an object")
    kind = raw.get("type")
    _require(
        kind in {t.value for t in InputType},
        f"{where}.type",
        "input_type",
        f"{kind!r} is not one of {[t.value for t in InputType]}",
    )
    input_type = InputType(kind)
    choices = tuple(raw.get("choices", ()))
    if input_type is InputType.CHOICE:
        _require(bool(choices), f"{where}.choices", "choices", "a choice input lists its choices")
    minimum = raw.get("min")
    maximum = raw.get("max")
    if minimum is not None and maximum is not None:
        _require(minimum <= maximum, f"{where}.min", "range", f"min {minimum} > max {maximum}")
    label = _text_by_language(raw.get("label"), f"{where}.label")
    return InputSpec(
        name=name,
        type=input_type,
        label=label,
        minimum=None if minimum is None else float(minimum),
        maximum=None if maximum is None else float(maximum),
        choices=choices,
        informational=bool(raw.get("informational", False)),
    )


def _parse_condition(
    raw: Mapping[str, Any], where: str, inputs: Mapping[str, InputSpec]
) -> Condition:
    name = raw.get("input")
    _require(name in inputs, f"{where}.input", "known_input", f"{name!r} is not a declared input")
    spec = inputs[str(name)]
    _require(
        not spec.informational,
        f"{where}.input",
        "informational",
        f"{spec.name} is informational and read by no rule",
    )
    operator_name: Any = raw.get("operator")
    _require(
        operator_name in {o.value for o in Operator},
        f"{where}.operator",
        "operator",
        f"{operator_name!r} is not one of {[o.value for o in Operator]}",
    )
    operator = Operator(operator_name)
    _require(
        operator in OPERATORS_BY_TYPE[spec.type],
        f"{where}.operator",
        "operator_for_type",
        f"{operator.value} does not apply to a {spec.type.value} input",
    )
    threshold: Any = raw.get("threshold")
    parsed: float | str | tuple[str, ...] | None = None
    if operator in NUMERIC_OPERATORS:
        _require(
            isinstance(threshold, int | float) and not isinstance(threshold, bool),
            f"{where}.threshold",
            "threshold",
            "a numeric comparison needs a number",
        )
        parsed = float(threshold)
    elif operator is Operator.IN:
        _require(
            isinstance(threshold, list) and all(item in spec.choices for item in threshold),
            f"{where}.threshold",
            "threshold",
            f"'in' needs a list of choices of {spec.name}: {list(spec.choices)}",
        )
        parsed = tuple(threshold)
    elif operator in (Operator.EQ, Operator.NE):
        _require(
            threshold in spec.choices,
            f"{where}.threshold",
            "threshold",
            f"{threshold!r} is not a choice of {spec.name}: {list(spec.choices)}",
        )
        parsed = str(threshold)
    else:
        _require(threshold is None, f"{where}.threshold", "threshold", "is_true/is_false take none")
    return Condition(input=spec.name, operator=operator, threshold=parsed)


def _parse_rule(raw: Any, position: int, inputs: Mapping[str, InputSpec]) -> Rule:
    where = f"rules.{position}"
    _require(isinstance(raw, Mapping), where, "rule", "must be an object")
    rule_id = raw.get("id")
    _require(
        isinstance(rule_id, str) and bool(ID_PATTERN.match(rule_id)),
        f"{where}.id",
        "id_format",
        f"{rule_id!r}: lower-case letters, digits and _",
    )
    where = f"rules.{rule_id}"
    category = raw.get("category")
    _require(
        category in {c.value for c in Category},
        f"{where}.category",
        "category",
        f"{category!r} is not one of {[c.value for c in Category]}",
    )
    outcome = raw.get("outcome")
    _require(
        outcome in {e.value for e in Effect},
        f"{where}.outcome",
        "outcome",
        f"{outcome!r} is not one of {[e.value for e in Effect]}",
    )
    _require(
        category != Category.RED_FLAG or outcome == Effect.EXCLUDE,
        f"{where}.outcome",
        "red_flag_excludes",
        "a red flag always excludes (DOMAIN.md §3.2)",
    )
    applies_raw = raw.get("applies_if")
    applies_if = None
    if applies_raw is not None:
        _require(isinstance(applies_raw, Mapping), f"{where}.applies_if", "condition", "object")
        applies_if = _parse_condition(applies_raw, f"{where}.applies_if", inputs)
    patient_raw = raw.get("patient")
    clinician_raw = raw.get("clinician")
    _require(isinstance(patient_raw, Mapping), f"{where}.patient", "wording", "needs wording")
    _require(isinstance(clinician_raw, Mapping), f"{where}.clinician", "wording", "needs wording")
    patient: dict[str, dict[str, str]] = {}
    clinician: dict[str, str] = {}
    for status in (RuleStatus.PASSED, RuleStatus.FAILED):
        patient[status.value] = _text_by_language(
            patient_raw.get(status.value), f"{where}.patient.{status.value}"
        )
        text = clinician_raw.get(status.value)
        _require(
            isinstance(text, str) and bool(text.strip()),
            f"{where}.clinician.{status.value}",
            "wording",
            "needs a clinician text",
        )
        _check_placeholders(text, f"{where}.clinician.{status.value}")
        clinician[status.value] = text
    source = raw.get("source")
    _require(
        isinstance(source, str) and bool(source.strip()),
        f"{where}.source",
        "source",
        "every rule cites its source (DOMAIN.md §3)",
    )
    return Rule(
        id=rule_id,
        category=Category(category),
        criterion=_parse_condition(raw, where, inputs),
        outcome=Effect(outcome),
        applies_if=applies_if,
        patient=patient,
        clinician=clinician,
        source=source,
    )


def _parse_wording(raw: Any) -> Wording:
    _require(isinstance(raw, Mapping), "wording", "wording", "must be an object")
    missing = raw.get("missing", {})
    not_applicable = raw.get("not_applicable", {})
    outcomes = raw.get("outcomes", {})
    outcome_patient: dict[str, dict[str, str]] = {}
    outcome_clinician: dict[str, str] = {}
    for outcome in Outcome:
        entry = outcomes.get(outcome.value, {})
        outcome_patient[outcome.value] = _text_by_language(
            entry.get("patient"), f"wording.outcomes.{outcome.value}.patient"
        )
        text = entry.get("clinician")
        _require(
            isinstance(text, str) and bool(text),
            f"wording.outcomes.{outcome.value}.clinician",
            "wording",
            "needs a clinician text",
        )
        outcome_clinician[outcome.value] = text
    for name, entry in (("missing", missing), ("not_applicable", not_applicable)):
        _require(
            isinstance(entry.get("clinician"), str),
            f"wording.{name}.clinician",
            "wording",
            "needs a clinician text",
        )
    return Wording(
        missing_patient=_text_by_language(missing.get("patient"), "wording.missing.patient"),
        missing_clinician=str(missing["clinician"]),
        not_applicable_patient=_text_by_language(
            not_applicable.get("patient"), "wording.not_applicable.patient"
        ),
        not_applicable_clinician=str(not_applicable["clinician"]),
        outcome_patient=outcome_patient,
        outcome_clinician=outcome_clinician,
        seek_care_now=_text_by_language(raw.get("seek_care_now"), "wording.seek_care_now"),
    )


def parse_rules(document: Mapping[str, Any]) -> RuleSet:
    """Check a rules document completely (every input, operator, threshold and wording) and
    build the rule set; a mistake raises RuleViolation naming the place, e.g.
    `rules.pain_over_3_months.threshold`."""
    for key in ("id", "version", "title", "source"):
        value = document.get(key)
        _require(isinstance(value, str) and bool(value.strip()), key, "required", "is required")
    inputs_raw: Any = document.get("inputs")
    _require(isinstance(inputs_raw, Mapping) and bool(inputs_raw), "inputs", "required", "empty")
    inputs = {name: _parse_input(name, raw) for name, raw in inputs_raw.items()}
    rules_raw: Any = document.get("rules")
    _require(isinstance(rules_raw, list) and bool(rules_raw), "rules", "required", "no rules")
    rules = tuple(_parse_rule(raw, position, inputs) for position, raw in enumerate(rules_raw))
    seen: set[str] = set()
    for rule in rules:
        _require(rule.id not in seen, f"rules.{rule.id}", "unique_id", "appears twice")
        seen.add(rule.id)
    return RuleSet(
        id=str(document["id"]),
        version=str(document["version"]),
        title=str(document["title"]),
        source=str(document["source"]),
        inputs=inputs,
        rules=rules,
        wording=_parse_wording(document.get("wording")),
    )


@cache
def default_rules() -> RuleSet:
    """The shipped rules (data/candidacy_rules.json)."""
    text = resources.files("spinereg.core.data").joinpath("candidacy_rules.json").read_text("utf-8")
    return parse_rules(json.loads(text))


def load_rules(path: Path | str) -> RuleSet:
    """A clinic's own rules file, checked like the shipped one."""
    return parse_rules(json.loads(Path(path).read_text("utf-8")))


# --------------------------------------------------------------------------- evaluating


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_prescreen(prescreen: Mapping[str, object], rules: RuleSet) -> dict[str, Value]:
    """The answers, checked against the declared inputs. Unanswered (absent or None) inputs
    are left out; an unknown name, a wrong type or a value out of range raises RuleViolation
    naming the input."""
    values: dict[str, Value] = {}
    for name, value in prescreen.items():
        spec = rules.inputs.get(name)
        if spec is None:
            raise RuleViolation(
                field=name, rule="known_input", message=f"{name!r} is not a pre-screen input"
            )
        if value is None:
            continue
        if spec.type is InputType.BOOLEAN:
            if not isinstance(value, bool):
                raise RuleViolation(field=name, rule="boolean", message=f"{value!r} is not yes/no")
            values[name] = value
        elif spec.type is InputType.CHOICE:
            if not isinstance(value, str) or value not in spec.choices:
                raise RuleViolation(
                    field=name,
                    rule="choice",
                    message=f"{value!r} is not one of {', '.join(spec.choices)}",
                )
            values[name] = value
        else:
            if not _is_number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]  # _is_number checked int | float
                raise RuleViolation(field=name, rule="number", message=f"{value!r} is not a number")
            number = float(value)  # type: ignore[arg-type]  # _is_number checked int | float
            if spec.minimum is not None and number < spec.minimum:
                raise RuleViolation(
                    field=name,
                    rule="range",
                    message=f"{_shown(number)} is below the minimum of {_shown(spec.minimum)}",
                )
            if spec.maximum is not None and number > spec.maximum:
                raise RuleViolation(
                    field=name,
                    rule="range",
                    message=f"{_shown(number)} exceeds the maximum of {_shown(spec.maximum)}",
                )
            values[name] = number
    return values


def condition_met(condition: Condition, value: Value) -> bool:
    """Whether one answered value meets a condition (numbers within ROUNDING_TOLERANCE)."""
    threshold = condition.threshold
    operator = condition.operator
    if operator is Operator.IS_TRUE:
        return value is True
    if operator is Operator.IS_FALSE:
        return value is False
    if operator is Operator.EQ:
        return value == threshold
    if operator is Operator.NE:
        return value != threshold
    if operator is Operator.IN:
        return isinstance(threshold, tuple) and value in threshold
    number = float(value)
    limit = float(threshold)  # type: ignore[arg-type]  # parse_rules gives numeric operators a float
    if operator is Operator.GT:
        return number > limit + ROUNDING_TOLERANCE
    if operator is Operator.GE:
        return number >= limit - ROUNDING_TOLERANCE
    if operator is Operator.LT:
        return number < limit - ROUNDING_TOLERANCE
    return number <= limit + ROUNDING_TOLERANCE


def _shown(value: object) -> str:
    """A number as a person reads it: 6 not 6.0, 35.6 not 35.5555…"""
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]  # _is_number checked int | float
        return str(int(number)) if number.is_integer() else f"{number:.1f}"
    return str(value)


def _fill(text: str, value: object, threshold: object, label: str = "") -> str:
    return text.format(value=_shown(value), threshold=_shown(threshold), label=label)


def _rule_result(rule: Rule, values: Mapping[str, Value], rules: RuleSet) -> RuleResult:
    spec = rules.inputs[rule.criterion.input]
    value = values.get(rule.criterion.input)
    threshold = rule.criterion.threshold
    status: RuleStatus
    if rule.applies_if is not None:
        gate = values.get(rule.applies_if.input)
        if gate is None:
            status = RuleStatus.MISSING
            spec = rules.inputs[rule.applies_if.input]
        elif not condition_met(rule.applies_if, gate):
            status = RuleStatus.NOT_APPLICABLE
        else:
            status = RuleStatus.MISSING if value is None else RuleStatus.PASSED
    else:
        status = RuleStatus.MISSING if value is None else RuleStatus.PASSED
    if status is RuleStatus.PASSED and value is not None:
        status = RuleStatus.PASSED if condition_met(rule.criterion, value) else RuleStatus.FAILED
    wording = rules.wording
    if status is RuleStatus.MISSING:
        patient = {
            lang: _fill(text, "", "", spec.label[lang])
            for lang, text in wording.missing_patient.items()
        }
        clinician = _fill(wording.missing_clinician, "", "", spec.label["en"])
    elif status is RuleStatus.NOT_APPLICABLE:
        patient = dict(wording.not_applicable_patient)
        clinician = wording.not_applicable_clinician
    else:
        patient = {
            lang: _fill(text, value, threshold, spec.label[lang])
            for lang, text in rule.patient[status.value].items()
        }
        clinician = _fill(rule.clinician[status.value], value, threshold, spec.label["en"])
    effect = rule.outcome if status in (RuleStatus.FAILED, RuleStatus.MISSING) else None
    if status is RuleStatus.MISSING:
        effect = Effect.REVIEW  # an unanswered question is asked at the consultation
    return RuleResult(
        rule_id=rule.id,
        category=rule.category,
        status=status,
        effect=effect,
        value=value,
        patient_reason=patient,
        clinician_reason=clinician,
        source=rule.source,
    )


def evaluate(prescreen: Mapping[str, object], rules: RuleSet | None = None) -> CandidacyResult:
    """Evaluate every rule on one pre-screen (input name → answer; None or absent =
    unanswered) and decide the outcome as described in the module docstring."""
    rules = rules or default_rules()
    values = validate_prescreen(prescreen, rules)
    results = tuple(_rule_result(rule, values, rules) for rule in rules.rules)
    red_flags = tuple(result.rule_id for result in results if result.is_red_flag)
    failed = [result for result in results if result.status is RuleStatus.FAILED]
    if red_flags or any(result.effect is Effect.EXCLUDE for result in failed):
        outcome = Outcome.NOT_CANDIDATE
    elif any(result.effect is Effect.REVIEW for result in results):
        outcome = Outcome.NEEDS_REVIEW
    else:
        outcome = Outcome.LIKELY_CANDIDATE
    wording = rules.wording
    return CandidacyResult(
        outcome=outcome,
        rules=results,
        red_flags=red_flags,
        rules_id=rules.id,
        rules_version=rules.version,
        patient_summary=dict(wording.outcome_patient[outcome.value]),
        clinician_summary=wording.outcome_clinician[outcome.value],
        seek_care_now_message=dict(wording.seek_care_now) if red_flags else {},
    )


def rule_inputs(rules: RuleSet | None = None) -> Sequence[InputSpec]:
    """The declared inputs in file order (forms and the clinician's page list them)."""
    return tuple((rules or default_rules()).inputs.values())
