"""An instrument as the scorer sees it, read from its FHIR R4 Questionnaire: items with their
allowed answers, and the scoring rule that our own extension carries. Reading the rule from the
same file that renders the form means an item cannot be added to one and forgotten in the other.

Answer encoding (chosen once for every instrument): a choice item lists `answerOption.valueCoding`
with the standard `ordinalValue` extension; the ordinal value (an integer) is what is stored and
scored, the code is its string form. A continuous item (VAS) is `type: decimal` with the standard
`minValue`, `maxValue` and `maxDecimalPlaces` extensions. valueInteger options were not used
because they cannot carry a code system or a display label in two languages.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spinereg.core.errors import RuleViolation

SCORING_URL = "https://spinereg.org/fhir/StructureDefinition/scoring"
LICENSED_TEXT_URL = "https://spinereg.org/fhir/StructureDefinition/licensed-text-required"
INSTRUMENT_FORM_URL = "https://spinereg.org/fhir/StructureDefinition/instrument-form"
ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_DECIMAL_PLACES_URL = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"

MULTIPLE_ANSWERS_HIGHEST = "highest"


class ScoreKind(StrEnum):
    """How a part turns its answered items into a number."""

    VALUE = "value"  # one item; the score is the answer
    SUM = "sum"  # sum of the answered items
    MEAN = "mean"  # mean of the answered items
    ODI_PERCENT = "odi-percent"  # 100 × sum ÷ (sum of the answered items' maxima)


@dataclass(frozen=True, slots=True)
class Item:
    """One answerable item. `codes` lists the allowed answers of a choice item (ordinal values,
    ascending); a continuous item has `codes=None` and a `decimal_places` resolution."""

    link_id: str
    label: str
    minimum: float
    maximum: float
    codes: tuple[int, ...] | None
    decimal_places: int | None
    code_labels: tuple[str, ...] = ()  # display of each code, same order as `codes`

    @property
    def is_whole_number(self) -> bool:
        return self.codes is not None or self.decimal_places == 0

    @property
    def is_contiguous(self) -> bool:
        """Codes are every integer from minimum to maximum: a range check is then enough."""
        return self.codes is None or self.codes == tuple(
            range(int(self.minimum), int(self.maximum) + 1)
        )

    def allowed_text(self) -> str:
        """The allowed answers in words, for error messages."""
        if self.codes is not None:
            if self.is_contiguous:
                return f"whole numbers {self.minimum:g}–{self.maximum:g}"
            return "one of " + ", ".join(str(code) for code in self.codes)
        places = self.decimal_places
        step = "" if places is None else f" with at most {places} decimal place(s)"
        return f"{self.minimum:g}–{self.maximum:g}{step}"


@dataclass(frozen=True, slots=True)
class ScorePart:
    """A scored group of items: the whole form (ODI) or a subscale (BPI interference)."""

    name: str
    kind: ScoreKind
    link_ids: tuple[str, ...]
    min_answered: int
    is_subscore: bool
    loinc: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Instrument:
    """A versioned instrument: what the scorer needs, nothing about rendering."""

    id: str
    version: str
    scoring_version: str
    title: str
    items: tuple[Item, ...]
    parts: tuple[ScorePart, ...]
    value_part: str
    multiple_answers: str | None
    reports_category: bool
    licensed_text_required: bool
    form: str | None
    _by_link_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A frozen dataclass sets derived fields through object.__setattr__.
        object.__setattr__(self, "_by_link_id", {item.link_id: item for item in self.items})

    @property
    def link_ids(self) -> tuple[str, ...]:
        return tuple(item.link_id for item in self.items)

    @property
    def subscore_names(self) -> tuple[str, ...]:
        return tuple(part.name for part in self.parts if part.is_subscore)

    def item(self, link_id: str) -> Item:
        try:
            return self._by_link_id[link_id]
        except KeyError:
            raise RuleViolation(
                field=link_id,
                rule="unknown_item",
                message=f"{link_id!r} is not an item of {self.id}; its items are "
                + ", ".join(self.link_ids),
            ) from None

    def part(self, name: str) -> ScorePart:
        for part in self.parts:
            if part.name == name:
                return part
        raise RuleViolation(
            field="score",
            rule="unknown_score",
            message=f"{name!r} is not a score of {self.id}; its scores are "
            + ", ".join(part.name for part in self.parts),
        )

    def score_range(self, name: str | None = None) -> tuple[float, float]:
        """Lowest and highest reachable score of a part (default: the one that is `.value`)."""
        part = self.part(self.value_part if name is None else name)
        items = [self.item(link_id) for link_id in part.link_ids]
        if part.kind is ScoreKind.ODI_PERCENT:
            return (0.0, 100.0)
        if part.kind is ScoreKind.SUM:
            return (sum(item.minimum for item in items), sum(item.maximum for item in items))
        return (min(item.minimum for item in items), max(item.maximum for item in items))


def _extensions(element: Mapping[str, Any], url: str) -> list[Mapping[str, Any]]:
    return [ext for ext in element.get("extension", []) if ext.get("url") == url]


def _one_value(element: Mapping[str, Any], url: str, value_key: str) -> Any:
    found = _extensions(element, url)
    if len(found) > 1:
        raise RuleViolation(field=url, rule="single_extension", message="given more than once")
    return found[0][value_key] if found else None


def _flat_items(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Question items in order; groups are opened, display items skipped."""
    flat: list[Mapping[str, Any]] = []
    for item in items:
        if item.get("type") == "group":
            flat.extend(_flat_items(item.get("item", [])))
        elif item.get("type") != "display":
            flat.append(item)
    return flat


def _item_from_fhir(item: Mapping[str, Any]) -> Item:
    link_id = str(item["linkId"])
    label = str(item.get("text", link_id))
    kind = item.get("type")
    if kind == "choice":
        options = []
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding")
            if coding is None:
                raise RuleViolation(
                    field=link_id, rule="coded_options", message="answer options must be codings"
                )
            ordinal = _one_value(coding, ORDINAL_VALUE_URL, "valueDecimal")
            if ordinal is None or float(ordinal) != int(ordinal):
                raise RuleViolation(
                    field=link_id,
                    rule="integer_ordinal",
                    message=f"option {coding.get('code')!r} needs an integer ordinalValue",
                )
            options.append((int(ordinal), str(coding.get("display", coding.get("code")))))
        options.sort()
        codes = tuple(code for code, _ in options)
        if not codes or len(set(codes)) != len(codes):
            raise RuleViolation(
                field=link_id, rule="distinct_codes", message="options need distinct ordinals"
            )
        return Item(
            link_id=link_id,
            label=label,
            minimum=float(codes[0]),
            maximum=float(codes[-1]),
            codes=codes,
            decimal_places=0,
            code_labels=tuple(display for _, display in options),
        )
    if kind in ("decimal", "integer"):
        value_key = "valueDecimal" if kind == "decimal" else "valueInteger"
        minimum = _one_value(item, MIN_VALUE_URL, value_key)
        maximum = _one_value(item, MAX_VALUE_URL, value_key)
        if minimum is None or maximum is None or float(minimum) > float(maximum):
            raise RuleViolation(
                field=link_id, rule="bounded_item", message="needs minValue ≤ maxValue"
            )
        places = (
            0 if kind == "integer" else _one_value(item, MAX_DECIMAL_PLACES_URL, "valueInteger")
        )
        return Item(
            link_id=link_id,
            label=label,
            minimum=float(minimum),
            maximum=float(maximum),
            codes=None,
            decimal_places=None if places is None else int(places),
        )
    raise RuleViolation(field=link_id, rule="item_type", message=f"type {kind!r} cannot be scored")


def _part_from_fhir(extension: Mapping[str, Any], items: Mapping[str, Item]) -> ScorePart:
    name = str(_one_value(extension, "name", "valueString"))
    kind_code = _one_value(extension, "kind", "valueCode")
    try:
        kind = ScoreKind(kind_code)
    except ValueError:
        raise RuleViolation(
            field=f"scoring.{name}.kind",
            rule="score_kind",
            message=f"{kind_code!r} is not one of " + ", ".join(ScoreKind),
        ) from None
    declared = [str(ext["valueString"]) for ext in _extensions(extension, "item")]
    for link_id in declared:
        if link_id not in items:
            raise RuleViolation(
                field=f"scoring.{name}.item",
                rule="scored_item_exists",
                message=f"{link_id!r} is scored but is not an item of the questionnaire",
            )
    if len(set(declared)) != len(declared):
        raise RuleViolation(
            field=f"scoring.{name}.item", rule="distinct_items", message="an item is listed twice"
        )
    # Item order, whatever order the rule lists them in: both scorers add in this order, so
    # their floating-point sums agree exactly.
    link_ids = tuple(link_id for link_id in items if link_id in declared)
    min_answered = int(_one_value(extension, "minAnswered", "valueInteger") or len(link_ids))
    if not link_ids or not 1 <= min_answered <= len(link_ids):
        raise RuleViolation(
            field=f"scoring.{name}.minAnswered",
            rule="min_answered_range",
            message=f"must be 1–{len(link_ids)} (the part's item count)",
        )
    if kind is ScoreKind.VALUE and len(link_ids) != 1:
        raise RuleViolation(
            field=f"scoring.{name}", rule="value_single_item", message="'value' scores one item"
        )
    if any(items[link_id].minimum < 0 for link_id in link_ids):
        # The vectorised scorer fills unanswered items with 0 via fmax(answer, 0).
        raise RuleViolation(
            field=f"scoring.{name}", rule="non_negative_items", message="items must be ≥ 0"
        )
    coding = _one_value(extension, "code", "valueCoding")
    return ScorePart(
        name=name,
        kind=kind,
        link_ids=link_ids,
        min_answered=min_answered,
        is_subscore=bool(_one_value(extension, "subscore", "valueBoolean")),
        loinc=None if coding is None else str(coding["code"]),
        source=str(_one_value(extension, "source", "valueString") or ""),
    )


def instrument_from_questionnaire(
    questionnaire: Mapping[str, Any], instrument_id: str | None = None
) -> Instrument:
    """Build and check an instrument from Questionnaire JSON. Every question item must be
    scored by some part and every scored linkId must be an item: a form that asks a question
    nobody scores, or a rule that scores a question nobody asks, is refused here."""
    if questionnaire.get("resourceType") != "Questionnaire":
        raise RuleViolation(
            field="resourceType", rule="questionnaire", message="not a FHIR Questionnaire"
        )
    identifier = instrument_id or str(questionnaire["url"]).rsplit("/", 1)[-1]
    fhir_items = _flat_items(questionnaire.get("item", []))
    items = tuple(_item_from_fhir(item) for item in fhir_items)
    by_link = {item.link_id: item for item in items}
    if len(by_link) != len(items):
        raise RuleViolation(field="item", rule="distinct_link_ids", message="duplicate linkId")
    rules = _extensions(questionnaire, SCORING_URL)
    if len(rules) != 1:
        raise RuleViolation(
            field="extension", rule="scoring_rule", message=f"needs one {SCORING_URL} extension"
        )
    rule = rules[0]
    parts = tuple(_part_from_fhir(ext, by_link) for ext in _extensions(rule, "part"))
    if len({part.name for part in parts}) != len(parts) or not parts:
        raise RuleViolation(
            field="scoring.part", rule="distinct_parts", message="needs parts with distinct names"
        )
    scored = {link_id for part in parts for link_id in part.link_ids}
    unscored = [item.link_id for item in items if item.link_id not in scored]
    if unscored:
        raise RuleViolation(
            field="scoring.part",
            rule="every_item_scored",
            message="items not used by any score: " + ", ".join(unscored),
        )
    value_part = str(_one_value(rule, "value", "valueString"))
    if value_part not in {part.name for part in parts}:
        raise RuleViolation(
            field="scoring.value", rule="value_part", message=f"{value_part!r} is not a part"
        )
    multiple = _one_value(rule, "multipleAnswers", "valueCode")
    if multiple not in (None, MULTIPLE_ANSWERS_HIGHEST):
        raise RuleViolation(
            field="scoring.multipleAnswers",
            rule="multiple_answers",
            message=f"{multiple!r}: only {MULTIPLE_ANSWERS_HIGHEST!r} is known",
        )
    reports_category = bool(_one_value(rule, "category", "valueBoolean"))
    if reports_category:
        value = next(part for part in parts if part.name == value_part)
        item = by_link[value.link_ids[0]]
        if value.kind is not ScoreKind.VALUE or item.codes is None:
            raise RuleViolation(
                field="scoring.category",
                rule="category_needs_choice",
                message="a category is reported only for a single coded item",
            )
        if len(set(item.code_labels)) != len(item.code_labels):
            raise RuleViolation(
                field="scoring.category",
                rule="distinct_categories",
                message="answer displays must differ to serve as categories",
            )
    form = _one_value(questionnaire, INSTRUMENT_FORM_URL, "valueCode")
    return Instrument(
        id=identifier,
        version=str(questionnaire["version"]),
        scoring_version=str(_one_value(rule, "version", "valueString")),
        title=str(questionnaire.get("title", identifier)),
        items=items,
        parts=parts,
        value_part=value_part,
        multiple_answers=multiple,
        reports_category=reports_category,
        licensed_text_required=bool(_one_value(questionnaire, LICENSED_TEXT_URL, "valueBoolean")),
        form=None if form is None else str(form),
    )
