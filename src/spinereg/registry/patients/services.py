"""Writes to patient records. Each validates, saves and audits in one transaction."""

import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from spinereg.registry.access import require_clinical_write
from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.patients.models import (
    ConservativeCare,
    Diagnosis,
    DiscFinding,
    ImagingStudy,
    Patient,
    PatientIdentity,
    PriorProcedure,
)

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "mrn",
    "email",
    "phone",
    "address",
    "city",
    "postal_code",
)
PATIENT_FIELDS = ("sex", "language", "enrolled_date", "deceased_date", "withdrawn_date")

# Child records that need no rule beyond their model's own validation.
SIMPLE_RECORDS: dict[str, type[models.Model]] = {
    "diagnosis": Diagnosis,
    "conservative_care": ConservativeCare,
    "prior_procedure": PriorProcedure,
}


def new_pseudonym() -> str:
    return "P" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))


def patient_create(
    *,
    clinic: Clinic,
    actor: User,
    sex: str,
    birth_date: date,
    given_name: str,
    family_name: str,
    mrn: str,
    enrolled_date: date,
    language: str = "en",
    email: str = "",
    phone: str = "",
    address: str = "",
    city: str = "",
    postal_code: str = "",
    reason: str = "",
) -> Patient:
    require_clinical_write(actor, clinic.pk)
    with transaction.atomic():
        if birth_date > enrolled_date:
            raise ValidationError(
                {
                    "birth_date": ValidationError(
                        "Date of birth is after the enrolment date.", code="before_enrolment"
                    )
                }
            )
        if PatientIdentity.objects.filter(patient__clinic=clinic, mrn=mrn).exists():
            raise ValidationError(
                {
                    "mrn": ValidationError(
                        "This medical record number is already registered in this clinic.",
                        code="unique_in_clinic",
                    )
                }
            )
        patient = record_create(
            Patient(
                clinic=clinic,
                pseudonym=new_pseudonym(),
                sex=sex,
                birth_year=birth_date.year,
                language=language,
                enrolled_date=enrolled_date,
            ),
            actor=actor,
            reason=reason,
        )
        record_create(
            PatientIdentity(
                patient=patient,
                given_name=given_name,
                family_name=family_name,
                birth_date=birth_date,
                mrn=mrn,
                email=email,
                phone=phone,
                address=address,
                city=city,
                postal_code=postal_code,
            ),
            actor=actor,
            reason=reason,
        )
    return patient


def patient_update(
    patient: Patient, *, actor: User, changes: dict[str, Any], reason: str = ""
) -> Patient:
    """Update clinical and identity fields together; unknown fields are refused by name."""
    require_clinical_write(actor, patient.clinic_id)
    unknown = set(changes) - set(PATIENT_FIELDS) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: ValidationError("Not an editable field.", code="unknown_field")
                for name in sorted(unknown)
            }
        )
    with transaction.atomic():
        identity_changes = {k: v for k, v in changes.items() if k in IDENTITY_FIELDS}
        patient_changes = {k: v for k, v in changes.items() if k in PATIENT_FIELDS}
        if "birth_date" in identity_changes:
            patient_changes["birth_year"] = identity_changes["birth_date"].year
        if patient_changes:
            record_update(patient, changes=patient_changes, actor=actor, reason=reason)
        if identity_changes:
            record_update(patient.identity, changes=identity_changes, actor=actor, reason=reason)
    return patient


def patient_record_create(
    *, patient: Patient, record: str, fields: dict[str, Any], actor: User, reason: str = ""
) -> models.Model:
    """Add a diagnosis, conservative-care course or prior procedure to a patient."""
    require_clinical_write(actor, patient.clinic_id)
    model = SIMPLE_RECORDS[record]
    editable = {f.name for f in model._meta.concrete_fields if f.editable} - {"id", "patient"}
    unknown = set(fields) - editable
    if unknown:
        raise ValidationError(
            {
                name: ValidationError(f"Not a field of {record}.", code="unknown_field")
                for name in sorted(unknown)
            }
        )
    confirmed_by = fields.get("confirmed_by") if record == "diagnosis" else None
    if confirmed_by is not None and confirmed_by.patient_id != patient.pk:
        raise ValidationError(
            {
                "confirmed_by": ValidationError(
                    "The imaging study belongs to another patient.", code="same_patient"
                )
            }
        )
    return record_create(model(patient=patient, **fields), actor=actor, reason=reason)


def imaging_study_create(
    *,
    patient: Patient,
    actor: User,
    study_date: date,
    findings: list[dict[str, Any]],
    modality: str = ImagingStudy.Modality.MRI,
    reason: str = "",
) -> ImagingStudy:
    """An imaging study with its per-level findings, all saved or none."""
    require_clinical_write(actor, patient.clinic_id)
    with transaction.atomic():
        study = record_create(
            ImagingStudy(patient=patient, modality=modality, study_date=study_date),
            actor=actor,
            reason=reason,
        )
        levels = [finding.get("level") for finding in findings]
        if len(levels) != len(set(levels)):
            raise ValidationError(
                {
                    "findings": ValidationError(
                        "Each level may be read only once per study.", code="one_per_level"
                    )
                }
            )
        for position, finding in enumerate(findings):
            try:
                record_create(DiscFinding(imaging=study, **finding), actor=actor, reason=reason)
            except ValidationError as error:
                raise ValidationError(
                    {
                        f"findings.{position}.{field}": errors
                        for field, errors in error.error_dict.items()
                    }
                ) from None
    return study
