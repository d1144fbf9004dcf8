"""Derived product metrics: totals, concentration factors, dose per injected level and the
minutes from harvest to injection.

Definitions follow DOMAIN.md §5 ([ours] where marked): total = per-mL count × fraction volume;
concentration factor = concentrate per-mL count / aspirate per-mL count (the "4.1–4.8× TNC" of
BMC Res Notes 2018, doi:10.1186/s13104-018-3949-6); dose at a level = concentrate per-mL count ×
volume injected there (`cfu_f_injected = cfu_f_per_ml × injected_ml`); minutes from harvest to
injection run to the *last* level injected [ours], so the figure bounds the age of every part of
the product that went in."""

from dataclasses import dataclass
from datetime import datetime

from spinereg.core.product.quantities import COUNT_MEASURES, MEASURES, Fraction
from spinereg.core.product.record import CompositionFacts, ProcedureRecord


def total_count(per_ml: float | None, volume_ml: float | None) -> float | None:
    """Cells (or colonies, platelets) in the whole fraction."""
    if per_ml is None or volume_ml is None:
        return None
    return per_ml * volume_ml


def concentration_factor(
    concentrate_per_ml: float | None, aspirate_per_ml: float | None
) -> float | None:
    """How many times richer per mL the concentrate is than the aspirate. None when either is
    missing or the aspirate count is zero (a ratio to nothing says nothing)."""
    if concentrate_per_ml is None or aspirate_per_ml is None or aspirate_per_ml == 0:
        return None
    return concentrate_per_ml / aspirate_per_ml


def dose_delivered(per_ml: float | None, injected_volume_ml: float) -> float | None:
    """Cells delivered to one target: concentrate per-mL count × the volume injected there."""
    if per_ml is None:
        return None
    return per_ml * injected_volume_ml


def minutes_between(start: datetime, end: datetime) -> float:
    """Elapsed minutes between two aware instants (negative when `end` is earlier)."""
    return (end - start).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class LevelDose:
    """What one injected target received."""

    level: str
    side: str
    volume_ml: float
    minutes_after_harvest: float | None
    doses: dict[str, float | None]  # by measure short code: "tnc", "cfu_f", …


@dataclass(frozen=True, slots=True)
class DerivedMetrics:
    totals: dict[str, float | None]  # "aspirate.tnc_total", "concentrate.cfu_f_total", …
    concentration_factors: dict[str, float | None]  # by measure short code
    doses: tuple[LevelDose, ...]
    injected_volume_ml: float | None
    minutes_harvest_to_injection: float | None
    processing_minutes: float | None


def _per_ml(composition: CompositionFacts | None, code: str) -> float | None:
    return None if composition is None else composition.value(code)


def derive_metrics(record: ProcedureRecord) -> DerivedMetrics:
    harvest, processing = record.harvest, record.processing
    volumes = {
        Fraction.ASPIRATE: harvest.aspirate_volume_ml if harvest else None,
        Fraction.CONCENTRATE: processing.concentrate_volume_ml if processing else None,
    }
    totals: dict[str, float | None] = {}
    for fraction in Fraction:
        composition = record.composition(fraction)
        for measure in COUNT_MEASURES:
            totals[f"{fraction.value}.{measure.short}_total"] = total_count(
                _per_ml(composition, measure.code), volumes[fraction]
            )
    factors = {
        measure.short: concentration_factor(
            _per_ml(record.concentrate, measure.code), _per_ml(record.aspirate, measure.code)
        )
        for measure in COUNT_MEASURES
    }
    doses = tuple(
        LevelDose(
            level=injection.level,
            side=injection.side,
            volume_ml=injection.volume_ml,
            minutes_after_harvest=(
                minutes_between(harvest.harvested_at, injection.injected_at) if harvest else None
            ),
            doses={
                measure.short: dose_delivered(
                    _per_ml(record.concentrate, measure.code), injection.volume_ml
                )
                for measure in COUNT_MEASURES
            },
        )
        for injection in record.injections
    )
    minutes_to_injection = None
    if harvest is not None and record.injections:
        last = max(injection.injected_at for injection in record.injections)
        minutes_to_injection = minutes_between(harvest.harvested_at, last)
    processing_minutes = None
    if processing is not None and processing.started_at and processing.ended_at:
        processing_minutes = minutes_between(processing.started_at, processing.ended_at)
    return DerivedMetrics(
        totals=totals,
        concentration_factors=factors,
        doses=doses,
        injected_volume_ml=(
            sum(injection.volume_ml for injection in record.injections)
            if record.injections
            else None
        ),
        minutes_harvest_to_injection=minutes_to_injection,
        processing_minutes=processing_minutes,
    )


def observation(record: ProcedureRecord) -> dict[str, float | str | None]:
    """Every single-valued quantity of the procedure by its catalogue code
    (`quantities.QUANTITY_BY_CODE`), plus the named process parameters: what QC evaluates and
    the standardisation report summarises."""
    metrics = derive_metrics(record)
    harvest, processing = record.harvest, record.processing
    values: dict[str, float | str | None] = {
        "harvest.aspirate_volume_ml": harvest.aspirate_volume_ml if harvest else None,
        "harvest.anticoagulant_volume_ml": harvest.anticoagulant_volume_ml if harvest else None,
        "harvest.site": harvest.site if harvest else None,
        "harvest.side": harvest.side if harvest else None,
        "harvest.anticoagulant": harvest.anticoagulant if harvest else None,
        "processing.system": processing.system if processing else None,
        "processing.g_force": processing.g_force if processing else None,
        "processing.spin_minutes": processing.spin_minutes if processing else None,
        "processing.spins": (
            float(processing.spins) if processing and processing.spins is not None else None
        ),
        "processing.duration_minutes": metrics.processing_minutes,
        "processing.concentrate_volume_ml": processing.concentrate_volume_ml
        if processing
        else None,
        "injection.volume_ml": metrics.injected_volume_ml,
        "timing.minutes_harvest_to_injection": metrics.minutes_harvest_to_injection,
    }
    for fraction in Fraction:
        composition = record.composition(fraction)
        for measure in MEASURES:
            values[f"{fraction.value}.{measure.code}"] = _per_ml(composition, measure.code)
    values.update(metrics.totals)
    for short, factor in metrics.concentration_factors.items():
        values[f"concentration_factor.{short}"] = factor
    return values
