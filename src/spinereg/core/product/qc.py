"""Quality control of one procedure day against the protocol version in force.

Each acceptance range and each named process parameter gives one result: pass, deviation (with
the rule and the value that broke it) or not measured. A deviation is not a refusal: the
registry asks a physician to acknowledge it before the product is injected."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from spinereg.core.product.protocol import AcceptanceRule, ProtocolSpec
from spinereg.core.product.quantities import CONFORMANCE_LABELS


class QcStatus(StrEnum):
    PASS = "pass"
    DEVIATION = "deviation"
    NOT_MEASURED = "not_measured"


@dataclass(frozen=True, slots=True)
class QcResult:
    quantity: str
    label: str
    unit: str
    status: QcStatus
    rule: str  # in words: "≥ 90 %", "is SmartPrep2"
    observed: float | str | None
    minimum: float | None = None
    maximum: float | None = None
    expected: str | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass(frozen=True, slots=True)
class QcReport:
    protocol_name: str
    protocol_version: int
    results: tuple[QcResult, ...]

    @property
    def deviations(self) -> tuple[QcResult, ...]:
        return tuple(result for result in self.results if result.status is QcStatus.DEVIATION)

    @property
    def has_deviations(self) -> bool:
        return bool(self.deviations)


def _range_result(rule: AcceptanceRule, value: float | str | None) -> QcResult:
    spec = rule.spec
    unmeasured = QcResult(
        quantity=rule.quantity,
        label=spec.label,
        unit=spec.unit,
        status=QcStatus.NOT_MEASURED,
        rule=rule.describe(),
        observed=None,
        minimum=rule.minimum,
        maximum=rule.maximum,
        message="not measured",
    )
    if value is None or isinstance(value, str):
        return unmeasured
    shown = spec.describe(value)
    if rule.minimum is not None and value < rule.minimum:
        limit = spec.describe(rule.minimum)
        message = f"{shown} is below the protocol's minimum of {limit}"
        return replace(unmeasured, status=QcStatus.DEVIATION, observed=value, message=message)
    if rule.maximum is not None and value > rule.maximum:
        limit = spec.describe(rule.maximum)
        message = f"{shown} exceeds the protocol's maximum of {limit}"
        return replace(unmeasured, status=QcStatus.DEVIATION, observed=value, message=message)
    message = f"{shown} meets {rule.describe()}"
    return replace(unmeasured, status=QcStatus.PASS, observed=value, message=message)


def _conformance_result(code: str, expected: str, value: float | str | None) -> QcResult:
    unrecorded = QcResult(
        quantity=code,
        label=CONFORMANCE_LABELS[code],
        unit="",
        status=QcStatus.NOT_MEASURED,
        rule=f"is {expected}",
        observed=None,
        expected=expected,
        message="not recorded",
    )
    if value is None or value == "":
        return unrecorded
    text = str(value)
    if text.strip().casefold() != expected.strip().casefold():
        message = f"{text} differs from the protocol's {expected}"
        return replace(unrecorded, status=QcStatus.DEVIATION, observed=text, message=message)
    return replace(unrecorded, status=QcStatus.PASS, observed=text, message=f"{text} as prescribed")


def qc_evaluate(protocol: ProtocolSpec, observed: Mapping[str, float | str | None]) -> QcReport:
    """Every rule of `protocol` against `observed` (quantity code → value, as produced by
    `metrics.observation`). Named parameters compare case-insensitively; ranges are inclusive."""
    results = [
        _conformance_result(code, expected, observed.get(code))
        for code, expected in protocol.conformance.items()
    ]
    results.extend(_range_result(rule, observed.get(rule.quantity)) for rule in protocol.acceptance)
    return QcReport(protocol.name, protocol.version, tuple(results))
