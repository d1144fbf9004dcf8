"""Patient endpoints: list, read, create, update, history, diagnoses, imaging, treatment history."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from spinereg.registry.access import clinics_visible_to
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.patients import services
from spinereg.registry.patients.models import Diagnosis, ImagingStudy, Patient
from spinereg.registry.patients.selectors import PatientFilters, patients_matching
from spinereg.web.api.lookups import acting_user, patient_or_404
from spinereg.web.api.schemas import (
    AuditOut,
    DiagnosisIn,
    DiagnosisOut,
    HistoryIn,
    ImagingIn,
    ImagingOut,
    PatientIn,
    PatientOut,
    PatientPatch,
)

router = Router(tags=["patients"])


class PatientQuery(Schema):
    q: str = ""
    condition: str = ""
    treatment: str = ""
    followup: str = ""
    clinic: int | None = None


@router.get("", response=list[PatientOut])
@paginate(PageNumberPagination, page_size=50)
def patient_list(request: HttpRequest, filters: Query[PatientQuery]) -> QuerySet[Patient]:
    return patients_matching(request.user, PatientFilters(**filters.dict()), timezone.localdate())


@router.get("/{patient_id}", response=PatientOut)
def patient_detail(request: HttpRequest, patient_id: int) -> Patient:
    return patient_or_404(request, patient_id)


@router.post("", response={201: PatientOut})
def patient_create(request: HttpRequest, payload: PatientIn) -> Status[Patient]:
    data = payload.dict()
    clinic = get_object_or_404(clinics_visible_to(request.user), pk=data.pop("clinic_id"))
    return Status(201, services.patient_create(clinic=clinic, actor=acting_user(request), **data))


@router.patch("/{patient_id}", response=PatientOut)
def patient_update(request: HttpRequest, patient_id: int, payload: PatientPatch) -> Patient:
    patient = patient_or_404(request, patient_id)
    changes = PatientPatchFields.parse(payload.changes)
    services.patient_update(
        patient,
        actor=acting_user(request),
        changes=changes,
        reason=payload.reason,
    )
    return patient_or_404(request, patient_id)


class PatientPatchFields:
    """Dates arrive as ISO strings in a free-form patch; parse the known date fields."""

    DATE_FIELDS = ("birth_date", "enrolled_date", "deceased_date", "withdrawn_date")

    @classmethod
    def parse(cls, changes: dict[str, Any]) -> dict[str, Any]:
        from django.core.exceptions import ValidationError
        from django.utils.dateparse import parse_date

        parsed = dict(changes)
        for name in cls.DATE_FIELDS:
            if name in parsed and isinstance(parsed[name], str):
                value = parse_date(parsed[name])
                if value is None:
                    raise ValidationError(
                        {name: ValidationError("Use an ISO date, YYYY-MM-DD.", code="invalid_date")}
                    )
                parsed[name] = value
        return parsed


@router.get("/{patient_id}/history", response=list[AuditOut])
@paginate(PageNumberPagination, page_size=100)
def patient_history(request: HttpRequest, patient_id: int) -> QuerySet[AuditEntry]:
    patient = patient_or_404(request, patient_id)
    return AuditEntry.objects.filter(patient_id=patient.pk).select_related("actor")


@router.get("/{patient_id}/diagnoses", response=list[DiagnosisOut])
def diagnosis_list(request: HttpRequest, patient_id: int) -> QuerySet[Diagnosis]:
    return patient_or_404(request, patient_id).diagnoses.all()


@router.post("/{patient_id}/diagnoses", response={201: DiagnosisOut})
def diagnosis_create(request: HttpRequest, patient_id: int, payload: DiagnosisIn) -> Status[Any]:
    patient = patient_or_404(request, patient_id)
    fields = payload.dict()
    confirmed_by_id = fields.pop("confirmed_by_id")
    if confirmed_by_id is not None:
        fields["confirmed_by"] = get_object_or_404(
            ImagingStudy, pk=confirmed_by_id, patient=patient
        )
    return Status(
        201,
        services.patient_record_create(
            patient=patient,
            record="diagnosis",
            fields=fields,
            actor=acting_user(request),
        ),
    )


@router.get("/{patient_id}/imaging", response=list[ImagingOut])
def imaging_list(request: HttpRequest, patient_id: int) -> QuerySet[ImagingStudy]:
    return patient_or_404(request, patient_id).imaging.prefetch_related("findings")


@router.post("/{patient_id}/imaging", response={201: ImagingOut})
def imaging_create(request: HttpRequest, patient_id: int, payload: ImagingIn) -> Status[Any]:
    patient = patient_or_404(request, patient_id)
    study = services.imaging_study_create(
        patient=patient,
        actor=acting_user(request),
        study_date=payload.study_date,
        modality=payload.modality,
        findings=[f.dict() for f in payload.findings],
    )
    return Status(201, study)


@router.post("/{patient_id}/history-records", response={201: dict[str, Any]})
def history_record_create(
    request: HttpRequest, patient_id: int, payload: HistoryIn
) -> Status[dict[str, Any]]:
    """Add a conservative-care course (`conservative_care`) or a prior procedure
    (`prior_procedure`) with the model's fields."""
    from django.core.exceptions import ValidationError

    if payload.record not in ("conservative_care", "prior_procedure"):
        raise ValidationError(
            {"record": ValidationError("Use conservative_care or prior_procedure.", code="choice")}
        )
    patient = patient_or_404(request, patient_id)
    record = services.patient_record_create(
        patient=patient,
        record=payload.record,
        fields=payload.fields,
        actor=acting_user(request),
        reason=payload.reason,
    )
    return Status(201, {"id": record.pk, "record": payload.record})
