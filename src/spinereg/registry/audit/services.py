"""Audited writes. Every clinical create, update and delete goes through these three functions,
which validate, save and record the audit entry in one transaction: all of it or none of it."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from spinereg.registry.accounts.models import User
from spinereg.registry.audit.models import AuditAction, AuditEntry

M = TypeVar("M", bound=models.Model)

# Foreign keys followed, in order, to find the patient a record belongs to.
_PARENT_LINKS = ("patient", "episode", "imaging", "processing")


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record's concrete field values in JSON-safe form (dates as ISO strings)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, datetime | date | time):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[field.attname] = value
    return data


def owning_patient(instance: models.Model) -> Any:
    """The Patient a clinical record belongs to, following patient/episode/imaging links."""
    if instance._meta.label_lower == "patients.patient":
        return instance
    for link in _PARENT_LINKS:
        parent = getattr(instance, link, None)
        if parent is not None:
            return owning_patient(parent)
    return None


def is_locked(instance: models.Model) -> bool:
    """Signed records, and records under a signed episode, change only with a stated reason."""
    if getattr(instance, "is_locked", False):
        return True
    episode = getattr(instance, "episode", None)
    if episode is None and hasattr(instance, "processing"):
        episode = instance.processing.episode
    return bool(episode is not None and episode.is_locked)


def audit_entry_create(
    *,
    actor: User | None,
    action: str,
    model: str,
    object_id: Any,
    patient: Any = None,
    clinic_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        model=model,
        object_id=str(object_id),
        patient_id=patient.pk if patient is not None else None,
        clinic_id=patient.clinic_id if patient is not None else clinic_id,
        before=before,
        after=after,
        reason=reason,
    )


def record_create(instance: M, *, actor: User | None, reason: str = "") -> M:
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        audit_entry_create(
            actor=actor,
            action=AuditAction.CREATE,
            model=instance._meta.label_lower,
            object_id=instance.pk,
            patient=owning_patient(instance),
            after=snapshot(instance),
            reason=reason,
        )
    return instance


def record_update(
    instance: M, *, changes: dict[str, Any], actor: User | None, reason: str = ""
) -> M:
    """Apply `changes`, validate, save and audit before/after. A locked record needs a reason."""
    with transaction.atomic():
        stored = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        if is_locked(stored) and not reason.strip():
            raise ValidationError(
                {
                    "reason": ValidationError(
                        "This record is signed or locked; a reason for the change is required.",
                        code="reason_required",
                    )
                }
            )
        before = snapshot(stored)
        for name, value in changes.items():
            setattr(instance, name, value)
        instance.full_clean()
        after = snapshot(instance)
        if after == before:
            return instance
        instance.save()
        changed = {key for key in after if after[key] != before.get(key)}
        audit_entry_create(
            actor=actor,
            action=AuditAction.UPDATE,
            model=instance._meta.label_lower,
            object_id=instance.pk,
            patient=owning_patient(instance),
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
            reason=reason,
        )
    return instance


def record_delete(instance: models.Model, *, actor: User | None, reason: str) -> None:
    with transaction.atomic():
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": ValidationError(
                        "A reason is required to delete a clinical record.", code="reason_required"
                    )
                }
            )
        patient = owning_patient(instance)
        audit_entry_create(
            actor=actor,
            action=AuditAction.DELETE,
            model=instance._meta.label_lower,
            object_id=instance.pk,
            patient=patient if patient is not instance else None,
            clinic_id=getattr(patient, "clinic_id", None),
            before=snapshot(instance),
            reason=reason,
        )
        instance.delete()
