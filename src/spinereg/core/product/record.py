"""The procedure day as plain data: what the pure functions of `spinereg.core.product` read.
The registry builds these from its rows; a notebook builds them from an exported Parquet file.

Times are aware datetimes. The clinical day of an instant is the clinic's local date
(`clinic_local_date`), because a harvest at 23:30 in Denver is not a UTC-tomorrow harvest."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spinereg.core.errors import RuleViolation
from spinereg.core.product.quantities import MEASURES, Fraction


@dataclass(frozen=True, slots=True)
class HarvestFacts:
    harvested_at: datetime
    site: str
    side: str
    aspirate_volume_ml: float
    anticoagulant: str
    anticoagulant_volume_ml: float | None = None
    syringe_volume_ml: float | None = None
    pull_count: int | None = None
    needle_gauge: int | None = None


@dataclass(frozen=True, slots=True)
class ProcessingFacts:
    system: str
    concentrate_volume_ml: float
    lot_number: str = ""
    g_force: float | None = None
    spin_minutes: float | None = None
    spins: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CompositionFacts:
    """Per-mL counts and percentages of one fraction; None: not measured."""

    tnc_per_ml: float | None = None
    mnc_per_ml: float | None = None
    cfu_f_per_ml: float | None = None
    cd34_per_ml: float | None = None
    platelets_per_ml: float | None = None
    viability_percent: float | None = None
    hematocrit_percent: float | None = None

    def value(self, measure_code: str) -> float | None:
        if measure_code not in _MEASURE_CODES:
            raise RuleViolation(
                field="measure", rule="known_measure", message=f"{measure_code} is not a measure"
            )
        value: float | None = getattr(self, measure_code)
        return value

    def is_empty(self) -> bool:
        return all(self.value(code) is None for code in _MEASURE_CODES)


_MEASURE_CODES = tuple(measure.code for measure in MEASURES)


@dataclass(frozen=True, slots=True)
class InjectionFacts:
    level: str
    side: str
    volume_ml: float
    injected_at: datetime
    approach: str = ""
    guidance: str = ""
    needle_gauge: int | None = None
    contrast: bool | None = None


@dataclass(frozen=True, slots=True)
class ProcedureRecord:
    """Everything recorded on one procedure day. Missing parts are None (or empty)."""

    harvest: HarvestFacts | None = None
    processing: ProcessingFacts | None = None
    aspirate: CompositionFacts | None = None
    concentrate: CompositionFacts | None = None
    injections: tuple[InjectionFacts, ...] = ()
    # Agents added to the product besides the anticoagulant: None not recorded, "" none.
    added_agents: str | None = None
    post_procedure_protocol: str = ""
    patient_sex: str = ""
    patient_birth_year: int | None = None

    def composition(self, fraction: Fraction) -> CompositionFacts | None:
        return self.aspirate if fraction is Fraction.ASPIRATE else self.concentrate


def clinic_local_date(instant: datetime, timezone_name: str) -> date:
    """The clinic-local calendar day of an aware instant (the day the page shows)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise RuleViolation(
            field="instant", rule="aware_datetime", message="a time needs its time zone"
        )
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation(
            field="timezone", rule="known_timezone", message=f"{timezone_name!r} is not a time zone"
        ) from None
    return instant.astimezone(zone).date()
