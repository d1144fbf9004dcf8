"""Impossible values on a procedure day, refused before anything is saved.

Each check raises `RuleViolation` naming the field and the rule, with the value and the limit in
the message. These are physical or logical impossibilities (a negative count, viability over
100 %, more concentrate than aspirate, an injection before the harvest), not protocol
preferences: those are QC deviations (`qc.py`)."""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from spinereg.core.errors import RuleViolation
from spinereg.core.product.quantities import MEASURES, Fraction, format_number
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    InjectionFacts,
    ProcessingFacts,
)

# Clocks on a ward drift; a time this far past "now" is a typing error, not a clock.
CLOCK_SKEW = timedelta(minutes=5)


def _finite(field: str, value: float) -> None:
    if isinstance(value, bool) or not math.isfinite(value):
        raise RuleViolation(field=field, rule="finite", message=f"{value!r} is not a number")


def _positive(field: str, value: float | None, unit: str) -> None:
    if value is None:
        return
    _finite(field, value)
    if value <= 0:
        raise RuleViolation(
            field=field,
            rule="positive",
            message=f"{format_number(value)} {unit} is not possible; it must be above 0 {unit}",
        )


def _aware(field: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise RuleViolation(field=field, rule="aware_datetime", message="needs a time zone")


def _not_future(field: str, value: datetime | None, now: datetime) -> None:
    if value is not None and value > now + CLOCK_SKEW:
        raise RuleViolation(
            field=field, rule="not_in_future", message=f"{value.isoformat()} is in the future"
        )


def check_harvest(harvest: HarvestFacts, *, now: datetime) -> None:
    _aware("harvested_at", harvest.harvested_at)
    _not_future("harvested_at", harvest.harvested_at, now)
    _positive("aspirate_volume_ml", harvest.aspirate_volume_ml, "mL")
    if harvest.anticoagulant_volume_ml is not None:
        _finite("anticoagulant_volume_ml", harvest.anticoagulant_volume_ml)
        if harvest.anticoagulant_volume_ml < 0:
            raise RuleViolation(
                field="anticoagulant_volume_ml",
                rule="non_negative",
                message=f"{format_number(harvest.anticoagulant_volume_ml)} mL is below 0 mL",
            )
    _positive("syringe_volume_ml", harvest.syringe_volume_ml, "mL")
    _positive("pull_count", harvest.pull_count, "pulls")
    _positive("needle_gauge", harvest.needle_gauge, "G")
    if not harvest.anticoagulant.strip():
        raise RuleViolation(
            field="anticoagulant", rule="required", message="name the anticoagulant used"
        )


def check_processing(processing: ProcessingFacts, *, harvest: HarvestFacts, now: datetime) -> None:
    _positive("concentrate_volume_ml", processing.concentrate_volume_ml, "mL")
    if processing.concentrate_volume_ml > harvest.aspirate_volume_ml:
        raise RuleViolation(
            field="concentrate_volume_ml",
            rule="concentrate_within_aspirate",
            message=f"{format_number(processing.concentrate_volume_ml)} mL of concentrate is more "
            f"than the {format_number(harvest.aspirate_volume_ml)} mL of aspirate it came from",
        )
    _positive("g_force", processing.g_force, "× g")
    _positive("spin_minutes", processing.spin_minutes, "min")
    _positive("spins", processing.spins, "spins")
    for field in ("started_at", "ended_at"):
        _aware(field, getattr(processing, field))
        _not_future(field, getattr(processing, field), now)
    if processing.started_at is not None and processing.started_at < harvest.harvested_at:
        raise RuleViolation(
            field="started_at",
            rule="after_harvest",
            message="processing cannot start before the harvest "
            f"({harvest.harvested_at.isoformat()})",
        )
    if (
        processing.started_at is not None
        and processing.ended_at is not None
        and processing.ended_at < processing.started_at
    ):
        raise RuleViolation(
            field="ended_at", rule="after_start", message="processing ends before it starts"
        )
    if not processing.system.strip():
        raise RuleViolation(field="system", rule="required", message="name the system used")


def check_composition(composition: CompositionFacts, *, fraction: Fraction) -> None:
    """Counts are never negative; percentages lie in 0–100; mononuclear and CD34+ cells are
    nucleated cells, so neither can outnumber the total nucleated count."""
    prefix = fraction.value
    for measure in MEASURES:
        value = composition.value(measure.code)
        if value is None:
            continue
        field = f"{prefix}.{measure.code}"
        _finite(field, value)
        if value < 0:
            shown = format_number(value / measure.display_scale)
            raise RuleViolation(
                field=field,
                rule="non_negative",
                message=f"{shown} {measure.display_unit} is negative; "
                f"{measure.label} cannot be below 0",
            )
        if not measure.is_count and value > 100:
            raise RuleViolation(
                field=field,
                rule="percent_range",
                message=f"{format_number(value)} % is over 100 %",
            )
    tnc = composition.tnc_per_ml
    for code in ("mnc_per_ml", "cd34_per_ml"):
        value = composition.value(code)
        if tnc is not None and value is not None and value > tnc:
            raise RuleViolation(
                field=f"{prefix}.{code}",
                rule="subset_of_tnc",
                message=f"{format_number(value / 1e6)} ×10⁶ cells/mL is more than the "
                f"{format_number(tnc / 1e6)} ×10⁶ total nucleated cells/mL they are part of",
            )


def check_injections(
    injections: Sequence[InjectionFacts],
    *,
    harvest: HarvestFacts,
    processing: ProcessingFacts,
    now: datetime,
) -> None:
    if not injections:
        raise RuleViolation(field="targets", rule="required", message="name at least one target")
    targets: set[tuple[str, str]] = set()
    for position, injection in enumerate(injections):
        where = f"targets.{position}"
        _positive(f"{where}.volume_ml", injection.volume_ml, "mL")
        _positive("needle_gauge", injection.needle_gauge, "G")
        _aware("injected_at", injection.injected_at)
        _not_future("injected_at", injection.injected_at, now)
        if injection.injected_at < harvest.harvested_at:
            raise RuleViolation(
                field="injected_at",
                rule="after_harvest",
                message=f"the injection ({injection.injected_at.isoformat()}) cannot come before "
                f"the harvest ({harvest.harvested_at.isoformat()})",
            )
        if processing.ended_at is not None and injection.injected_at < processing.ended_at:
            raise RuleViolation(
                field="injected_at",
                rule="after_processing",
                message="the injection cannot come before processing ended "
                f"({processing.ended_at.isoformat()})",
            )
        target = (injection.level, injection.side)
        if target in targets:
            raise RuleViolation(
                field=f"{where}.level",
                rule="unique_target",
                message=f"{injection.level} {injection.side} is listed twice",
            )
        targets.add(target)
    total = sum(injection.volume_ml for injection in injections)
    if total > processing.concentrate_volume_ml + 1e-9:
        raise RuleViolation(
            field="targets",
            rule="within_concentrate",
            message=f"{format_number(total)} mL injected is more than the "
            f"{format_number(processing.concentrate_volume_ml)} mL of concentrate",
        )
