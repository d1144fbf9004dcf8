"""What a synthetic cohort is made from: size, seed, reference date, the clinics it is spread
across and the consent documents patients sign. Same config → same rows."""

from dataclasses import dataclass, field
from datetime import date

from spinereg.core.errors import RuleViolation
from spinereg.core.schedule import Schedule, default_schedule

# A fixed "today" keeps the output deterministic: the cohort never changes with the clock.
DEFAULT_TODAY = date(2026, 11, 1)
# Patients per chunk: each chunk has its own random generator, seeded from (seed, chunk number),
# and memory stays bounded (about 1 GB of Arrow data per 25,000 patients at the peak).
DEFAULT_CHUNK_SIZE = 25_000


@dataclass(frozen=True, slots=True)
class ClinicRef:
    """A clinic rows are assigned to. `utc_offset_minutes` places procedure-day times in the
    clinic's working hours (standard time; daylight saving is ignored)."""

    id: int
    code: str
    utc_offset_minutes: int = 0


@dataclass(frozen=True, slots=True)
class ConsentDocumentRef:
    id: int
    clinic_id: int
    language: str
    sha256: str


@dataclass(frozen=True, slots=True)
class SynthConfig:
    clinics: tuple[ClinicRef, ...]
    patients: int = 300
    seed: int = 1
    today: date = DEFAULT_TODAY
    consent_documents: tuple[ConsentDocumentRef, ...] = ()
    chunk_size: int = DEFAULT_CHUNK_SIZE
    schedule: Schedule = field(default_factory=default_schedule)

    def __post_init__(self) -> None:
        if self.patients < 0:
            raise RuleViolation(
                field="patients", rule="non_negative", message=f"{self.patients} is below 0"
            )
        if self.chunk_size < 1:
            raise RuleViolation(
                field="chunk_size", rule="positive", message=f"{self.chunk_size} is below 1"
            )
        if not self.clinics:
            raise RuleViolation(field="clinics", rule="required", message="no clinic given")
        if self.seed < 0:
            raise RuleViolation(field="seed", rule="non_negative", message=f"{self.seed} < 0")
        codes = [clinic.code for clinic in self.clinics]
        if len(set(codes)) != len(codes):
            raise RuleViolation(field="clinics", rule="unique", message=f"duplicate in {codes}")

    @property
    def chunk_count(self) -> int:
        return -(-self.patients // self.chunk_size)
