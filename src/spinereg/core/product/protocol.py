"""A clinic's processing protocol as plain data: the process it prescribes and the acceptance
ranges its product must meet. The registry stores versions of it as rows; here it is only data,
so QC can be evaluated (and tested) without a database.

Acceptance ranges are a list of `{"quantity": <catalogue code>, "minimum": x, "maximum": y}`
objects (either bound may be absent), e.g. `{"quantity": "concentrate.viability_percent",
"minimum": 90}`. Every code comes from `quantities.QUANTITIES`, every bound must be a finite
number inside the quantity's physical range, and a quantity has at most one range."""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from spinereg.core.errors import RuleViolation
from spinereg.core.product.quantities import QUANTITY_BY_CODE, Quantity, format_number


@dataclass(frozen=True, slots=True)
class AcceptanceRule:
    quantity: str
    minimum: float | None = None
    maximum: float | None = None

    @property
    def spec(self) -> Quantity:
        return QUANTITY_BY_CODE[self.quantity]

    def describe(self) -> str:
        """The rule in words, in the unit staff read: "≥ 90 %", "≤ 120 min", "50–70 mL",
        "≥ 50 ×10⁶ cells/mL"."""
        spec = self.spec
        unit = spec.shown_unit
        low = format_number(spec.shown(self.minimum)) if self.minimum is not None else None
        high = format_number(spec.shown(self.maximum)) if self.maximum is not None else None
        if low is not None and high is not None:
            return f"{low}–{high} {unit}"
        if low is not None:
            return f"≥ {low} {unit}"
        return f"≤ {high} {unit}"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"quantity": self.quantity}
        if self.minimum is not None:
            data["minimum"] = self.minimum
        if self.maximum is not None:
            data["maximum"] = self.maximum
        return data


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    """One version of a processing protocol. Process values are what staff are told to do
    (and what forms are prefilled with); named ones (site, side, anticoagulant, system) are
    checked for conformance, numeric ones through `acceptance`."""

    name: str
    version: int
    shelf_life_minutes: int  # the product expires this long after harvest
    harvest_site: str = ""
    harvest_side: str = ""  # "" = any side
    syringe_volume_ml: float | None = None
    pulls_per_side: int | None = None
    needle_gauge: int | None = None
    anticoagulant: str = ""
    anticoagulant_volume_ml: float | None = None
    processing_system: str = ""
    g_force: float | None = None
    spin_minutes: float | None = None
    spins: int | None = None
    target_aspirate_volume_ml: float | None = None
    target_concentrate_volume_ml: float | None = None
    acceptance: tuple[AcceptanceRule, ...] = ()

    @property
    def conformance(self) -> dict[str, str]:
        """Named process parameters the record must match (empty ones are not checked)."""
        named = {
            "harvest.site": self.harvest_site,
            "harvest.side": self.harvest_side,
            "harvest.anticoagulant": self.anticoagulant,
            "processing.system": self.processing_system,
        }
        return {code: value for code, value in named.items() if value}


def _bound(value: object, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleViolation(field=field, rule="number", message=f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise RuleViolation(field=field, rule="finite", message=f"{value!r} is not finite")
    return number


def parse_acceptance_rules(data: object) -> tuple[AcceptanceRule, ...]:
    """Check and build acceptance ranges from JSON-like data (see the module docstring)."""
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise RuleViolation(
            field="acceptance_rules", rule="list", message="acceptance ranges are a list"
        )
    rules: list[AcceptanceRule] = []
    seen: set[str] = set()
    for position, item in enumerate(data):
        where = f"acceptance_rules.{position}"
        if not isinstance(item, Mapping):
            raise RuleViolation(field=where, rule="object", message="each range is an object")
        unknown = set(item) - {"quantity", "minimum", "maximum"}
        if unknown:
            raise RuleViolation(
                field=f"{where}.{sorted(unknown)[0]}", rule="known_key", message="not a range key"
            )
        code = item.get("quantity")
        if not isinstance(code, str) or code not in QUANTITY_BY_CODE:
            raise RuleViolation(
                field=f"{where}.quantity",
                rule="known_quantity",
                message=f"{code!r} is not a quantity spinereg measures",
            )
        if code in seen:
            raise RuleViolation(
                field=f"{where}.quantity",
                rule="one_range_per_quantity",
                message=f"{code} has more than one range",
            )
        seen.add(code)
        minimum = _bound(item.get("minimum"), f"{where}.minimum")
        maximum = _bound(item.get("maximum"), f"{where}.maximum")
        if minimum is None and maximum is None:
            raise RuleViolation(
                field=where, rule="bound_required", message=f"{code} needs a minimum or a maximum"
            )
        if minimum is not None and maximum is not None and minimum > maximum:
            raise RuleViolation(
                field=f"{where}.maximum",
                rule="minimum_not_above_maximum",
                message=f"maximum {format_number(maximum)} is below minimum "
                f"{format_number(minimum)}",
            )
        quantity = QUANTITY_BY_CODE[code]
        for name, bound in (("minimum", minimum), ("maximum", maximum)):
            if bound is None:
                continue
            if quantity.lower_bound is not None and bound < quantity.lower_bound:
                raise RuleViolation(
                    field=f"{where}.{name}",
                    rule="physical_range",
                    message=f"{quantity.describe(bound)} is below the possible "
                    f"{quantity.describe(quantity.lower_bound)}",
                )
            if quantity.upper_bound is not None and bound > quantity.upper_bound:
                raise RuleViolation(
                    field=f"{where}.{name}",
                    rule="physical_range",
                    message=f"{quantity.describe(bound)} is above the possible "
                    f"{quantity.describe(quantity.upper_bound)}",
                )
        rules.append(AcceptanceRule(code, minimum, maximum))
    return tuple(rules)


_TEXT_FIELDS = frozenset(
    {"name", "harvest_site", "harvest_side", "anticoagulant", "processing_system"}
)
_WHOLE_FIELDS = frozenset(
    {"version", "shelf_life_minutes", "pulls_per_side", "needle_gauge", "spins"}
)


def protocol_from_mapping(data: Mapping[str, Any]) -> ProtocolSpec:
    """A protocol from a JSON object with the ProtocolSpec field names; `acceptance_rules`
    holds the ranges. Used for the example protocol shipped as data and for exports."""
    known = set(ProtocolSpec.__dataclass_fields__) - {"acceptance"}
    unknown = set(data) - known - {"acceptance_rules"}
    if unknown:
        name = sorted(unknown)[0]
        raise RuleViolation(field=name, rule="known_field", message="not a protocol field")
    for required in ("name", "version", "shelf_life_minutes"):
        if required not in data:
            raise RuleViolation(field=required, rule="required", message="is required")
    values = {name: data[name] for name in known if name in data}
    for name, value in values.items():
        if name in _TEXT_FIELDS:
            if not isinstance(value, str):
                raise RuleViolation(field=name, rule="text", message=f"{value!r} is not text")
        elif name in _WHOLE_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise RuleViolation(
                    field=name,
                    rule="positive_whole",
                    message=f"{value!r} is not a whole number > 0",
                )
        else:
            number = _bound(value, name)
            if number is not None and number <= 0:
                raise RuleViolation(field=name, rule="positive", message=f"{value!r} is not > 0")
    return ProtocolSpec(
        **values, acceptance=parse_acceptance_rules(data.get("acceptance_rules", []))
    )


def example_protocol() -> ProtocolSpec:
    """The example protocol shipped as data (data/example_protocol.json): demo values for the
    synthetic clinics and the docs, not a recommendation. Its CFU-F minimum echoes Pettine 2015
    (> 2,000 CFU-F/mL went with better outcomes; QC ranges are inclusive); every other value is
    [ours] (DOMAIN.md §5 marks aspirate volume, viability and processing settings unverified)."""
    text = resources.files("spinereg.core.product").joinpath("data/example_protocol.json")
    return protocol_from_mapping(json.loads(text.read_text(encoding="utf-8")))
