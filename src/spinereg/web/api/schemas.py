"""Request and response bodies of the API."""

from datetime import date, datetime
from typing import Any

from ninja import Schema


class PatientOut(Schema):
    id: int
    pseudonym: str
    clinic_id: int
    sex: str
    birth_year: int
    language: str
    enrolled_date: date
    deceased_date: date | None = None
    withdrawn_date: date | None = None
    given_name: str
    family_name: str
    birth_date: date
    mrn: str
    email: str
    phone: str

    @staticmethod
    def resolve_given_name(obj: Any) -> str:
        return str(obj.identity.given_name)

    @staticmethod
    def resolve_family_name(obj: Any) -> str:
        return str(obj.identity.family_name)

    @staticmethod
    def resolve_birth_date(obj: Any) -> date:
        return obj.identity.birth_date  # type: ignore[no-any-return]  # model field is a date

    @staticmethod
    def resolve_mrn(obj: Any) -> str:
        return str(obj.identity.mrn)

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return str(obj.identity.email)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return str(obj.identity.phone)


class PatientIn(Schema):
    clinic_id: int
    sex: str
    birth_date: date
    given_name: str
    family_name: str
    mrn: str
    enrolled_date: date
    language: str = "en"
    email: str = ""
    phone: str = ""
    reason: str = ""


class PatientPatch(Schema):
    changes: dict[str, Any]
    reason: str = ""


class DiagnosisIn(Schema):
    condition: str
    level: str
    side: str = "central"
    diagnosed_date: date
    confirmed_by_id: int | None = None


class DiagnosisOut(Schema):
    id: int
    condition: str
    level: str
    side: str
    diagnosed_date: date
    confirmed_by_id: int | None


class FindingIn(Schema):
    level: str
    pfirrmann_grade: int | None = None
    pfirrmann_scheme: str = "pfirrmann5"
    modic: str = "none"
    hiz: bool = False
    hiz_location: str = ""
    disc_height_anterior_mm: float | None = None
    disc_height_middle_mm: float | None = None
    disc_height_posterior_mm: float | None = None
    facet_arthropathy: bool = False


class ImagingIn(Schema):
    modality: str = "mri"
    study_date: date
    findings: list[FindingIn]


class ImagingOut(Schema):
    id: int
    modality: str
    study_date: date
    findings: list[FindingIn]

    @staticmethod
    def resolve_findings(obj: Any) -> list[Any]:
        return list(obj.findings.all())


class HistoryIn(Schema):
    record: str  # conservative_care | prior_procedure
    fields: dict[str, Any]
    reason: str = ""


class EpisodeIn(Schema):
    patient_id: int
    kind: str
    condition: str
    index_date: date | None = None
    reason: str = ""


class EpisodeOut(Schema):
    id: int
    patient_id: int
    clinic_id: int
    kind: str
    condition: str
    index_date: date | None
    status: str
    signed_at: datetime | None


class EpisodePatch(Schema):
    changes: dict[str, Any]
    reason: str = ""


class ReinterventionIn(Schema):
    kind: str
    procedure_date: date
    at_index_level: bool = True
    note: str = ""
    reason: str = ""


class ReinterventionOut(Schema):
    id: int
    episode_id: int
    kind: str
    procedure_date: date
    at_index_level: bool


class ScheduleItemOut(Schema):
    id: int
    visit: str
    target_date: date
    window_start: date
    window_end: date
    instruments: list[str]
    completed_at: datetime | None


class ResponseIn(Schema):
    patient_id: int
    episode_id: int | None = None
    instrument_id: str
    answers: dict[str, Any]
    completed_at: datetime
    mode: str
    status: str = "complete"
    reason: str = ""


class ResponseOut(Schema):
    id: int
    patient_id: int
    episode_id: int | None
    instrument_id: str
    instrument_version: str
    answers: dict[str, Any]
    value: float | None
    subscores: dict[str, Any]
    not_scored_reason: str
    scoring_version: str
    timepoint: str
    days_from_index: int | None
    out_of_window: bool
    completed_at: datetime | None
    mode: str
    status: str


class AdverseEventIn(Schema):
    patient_id: int
    episode_id: int | None = None
    code: str
    description: str = ""
    onset_date: date
    resolved_date: date | None = None
    severity_grade: int
    serious: bool = False
    results_in_death: bool = False
    life_threatening: bool = False
    hospitalisation: bool = False
    disability: bool = False
    medically_important: bool = False
    related_harvest: str = "not_related"
    related_injection: str = "not_related"
    related_product: str = "not_related"
    related_medication: str = "not_related"
    reason: str = ""


class AdverseEventOut(Schema):
    id: int
    patient_id: int
    episode_id: int | None
    code: str
    description: str
    onset_date: date
    resolved_date: date | None
    severity_grade: int
    serious: bool
    related_harvest: str
    related_injection: str
    related_product: str
    related_medication: str


class AuditOut(Schema):
    at: datetime
    actor: str | None
    action: str
    model: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class DeidentifiedOutcomeOut(Schema):
    patient: str
    sex: str
    age_at_index: int
    episode: int
    treatment: str
    condition: str
    instrument: str
    timepoint: str
    days_from_index: int | None
    value: float | None


class SummaryRowOut(Schema):
    condition: str
    kind: str
    episodes: int
    patients: int
