"""The standardisation report of a clinic's protocol version: how every measured value is
distributed, how often the product deviated from the protocol, how often its description is
complete against MIBO, and the minutes from harvest to injection.

Quantiles are R's default (type 7, Hyndman and Fan 1996, linear interpolation between order
statistics), the standard deviation has n − 1 in the denominator; both are checked against R's
`quantile(x, type = 7)` and `sd(x)` (tests/known_answers/product_distribution.R)."""

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spinereg.core.product.quantities import QUANTITIES


@dataclass(frozen=True, slots=True)
class Distribution:
    n: int
    mean: float | None
    sd: float | None
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None


def quantile_type7(ordered: Sequence[float], probability: float) -> float:
    """R's `quantile(x, probability, type = 7)` of already sorted values."""
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * probability
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def distribution(values: Iterable[float | None]) -> Distribution:
    """Summary of the measured values; missing ones (None) are left out and not counted."""
    ordered = sorted(value for value in values if value is not None)
    if not ordered:
        return Distribution(0, None, None, None, None, None, None, None)
    return Distribution(
        n=len(ordered),
        mean=statistics.fmean(ordered),
        sd=statistics.stdev(ordered) if len(ordered) > 1 else None,
        minimum=ordered[0],
        q1=quantile_type7(ordered, 0.25),
        median=quantile_type7(ordered, 0.5),
        q3=quantile_type7(ordered, 0.75),
        maximum=ordered[-1],
    )


@dataclass(frozen=True, slots=True)
class ProcedureSummary:
    """One procedure as the report sees it."""

    observed: dict[str, float | str | None]  # metrics.observation(record)
    qc_evaluated: bool
    deviations: tuple[str, ...]  # quantity codes that deviated in the latest QC evaluation
    measured: tuple[str, ...]  # quantity codes QC could evaluate (pass or deviation)
    mibo_complete: bool
    mibo_missing: tuple[str, ...]  # "domain.code" of missing items
    flagged_same_procedure: bool


@dataclass(frozen=True, slots=True)
class QuantityRow:
    quantity: str
    label: str
    unit: str
    distribution: Distribution


@dataclass(frozen=True, slots=True)
class RuleRate:
    quantity: str
    evaluated: int
    deviations: int

    @property
    def rate(self) -> float | None:
        return self.deviations / self.evaluated if self.evaluated else None


@dataclass(frozen=True, slots=True)
class StandardisationReport:
    procedures: int
    quantities: tuple[QuantityRow, ...]
    qc_evaluated: int
    with_deviation: int
    rule_rates: tuple[RuleRate, ...]
    mibo_complete: int
    mibo_missing_counts: dict[str, int]
    flagged_same_procedure: int
    minutes_harvest_to_injection: Distribution

    @property
    def deviation_rate(self) -> float | None:
        return self.with_deviation / self.qc_evaluated if self.qc_evaluated else None

    @property
    def mibo_complete_share(self) -> float | None:
        return self.mibo_complete / self.procedures if self.procedures else None


def standardisation_report(procedures: Sequence[ProcedureSummary]) -> StandardisationReport:
    rows = []
    for quantity in QUANTITIES:
        values = [_number(p.observed.get(quantity.code)) for p in procedures]
        summary = distribution(values)
        if summary.n:
            rows.append(QuantityRow(quantity.code, quantity.label, quantity.unit, summary))
    evaluated = [p for p in procedures if p.qc_evaluated]
    codes = sorted({code for p in evaluated for code in p.measured})
    rates = tuple(
        RuleRate(
            code,
            sum(1 for p in evaluated if code in p.measured),
            sum(1 for p in evaluated if code in p.deviations),
        )
        for code in codes
    )
    missing: dict[str, int] = {}
    for procedure in procedures:
        for item in procedure.mibo_missing:
            missing[item] = missing.get(item, 0) + 1
    return StandardisationReport(
        procedures=len(procedures),
        quantities=tuple(rows),
        qc_evaluated=len(evaluated),
        with_deviation=sum(1 for p in evaluated if p.deviations),
        rule_rates=rates,
        mibo_complete=sum(1 for p in procedures if p.mibo_complete),
        mibo_missing_counts=dict(sorted(missing.items())),
        flagged_same_procedure=sum(1 for p in procedures if p.flagged_same_procedure),
        minutes_harvest_to_injection=distribution(
            _number(p.observed.get("timing.minutes_harvest_to_injection")) for p in procedures
        ),
    )


def _number(value: float | str | None) -> float | None:
    return value if isinstance(value, int | float) else None


CSV_COLUMNS = (
    "section",
    "quantity",
    "label",
    "unit",
    "n",
    "mean",
    "sd",
    "min",
    "q1",
    "median",
    "q3",
    "max",
    "evaluated",
    "deviations",
    "rate",
)


def report_rows(report: StandardisationReport) -> list[dict[str, object]]:
    """The report as flat rows (CSV_COLUMNS) for a spreadsheet: one per measured quantity,
    one per QC rule, the overall deviation and MIBO shares, and one per missing MIBO item."""
    rows: list[dict[str, object]] = []
    for row in report.quantities:
        d = row.distribution
        rows.append(
            {
                "section": "distribution",
                "quantity": row.quantity,
                "label": row.label,
                "unit": row.unit,
                "n": d.n,
                "mean": d.mean,
                "sd": d.sd,
                "min": d.minimum,
                "q1": d.q1,
                "median": d.median,
                "q3": d.q3,
                "max": d.maximum,
            }
        )
    for rate in report.rule_rates:
        rows.append(
            {
                "section": "deviation_rate",
                "quantity": rate.quantity,
                "evaluated": rate.evaluated,
                "deviations": rate.deviations,
                "rate": rate.rate,
            }
        )
    rows.append(
        {
            "section": "deviation_rate",
            "quantity": "any",
            "label": "Procedures with at least one deviation",
            "evaluated": report.qc_evaluated,
            "deviations": report.with_deviation,
            "rate": report.deviation_rate,
        }
    )
    rows.append(
        {
            "section": "mibo",
            "quantity": "complete",
            "label": "Product description complete against MIBO",
            "n": report.procedures,
            "deviations": report.procedures - report.mibo_complete,
            "rate": report.mibo_complete_share,
        }
    )
    for item, count in report.mibo_missing_counts.items():
        rows.append(
            {
                "section": "mibo_missing",
                "quantity": item,
                "n": report.procedures,
                "deviations": count,
                "rate": count / report.procedures if report.procedures else None,
            }
        )
    rows.append(
        {
            "section": "same_procedure",
            "quantity": "flagged",
            "label": "Procedures whose records break a same-surgical-procedure fact",
            "n": report.procedures,
            "deviations": report.flagged_same_procedure,
            "rate": (
                report.flagged_same_procedure / report.procedures if report.procedures else None
            ),
        }
    )
    return rows
