"""Physicians' weekly consultation hours and their exceptions, edited by the clinic's
coordinators, administrators or the physician; audited like clinical writes."""

from datetime import date, time
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from spinereg.registry.access import holds_role
from spinereg.registry.accounts.models import Clinic, Role, User
from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import audit_entry_create, snapshot
from spinereg.registry.journey.models import (
    AvailabilityException,
    AvailabilityTemplate,
    ExceptionKind,
)

SCHEDULING_ROLES = (Role.COORDINATOR, Role.ADMINISTRATOR, Role.PHYSICIAN)

M = TypeVar("M", bound=models.Model)


def _snapshot(instance: models.Model) -> dict[str, Any]:
    """audit.services.snapshot with wall-clock times as ISO strings (it knows dates only)."""
    return {
        name: value.isoformat() if isinstance(value, time) else value
        for name, value in snapshot(instance).items()
    }


def _create(instance: M, *, actor: User) -> M:
    """record_create's validate-save-audit, for rows holding times of day."""
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        audit_entry_create(
            actor=actor,
            action=AuditAction.CREATE,
            model=instance._meta.label_lower,
            object_id=instance.pk,
            clinic_id=getattr(instance, "clinic_id", None),
            after=_snapshot(instance),
        )
    return instance


def _delete(instance: models.Model, *, actor: User, reason: str) -> None:
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError("A reason is required to remove hours.", code="required")}
        )
    with transaction.atomic():
        audit_entry_create(
            actor=actor,
            action=AuditAction.DELETE,
            model=instance._meta.label_lower,
            object_id=instance.pk,
            clinic_id=getattr(instance, "clinic_id", None),
            before=_snapshot(instance),
            reason=reason,
        )
        instance.delete()


def require_scheduling(actor: User, clinic_id: int) -> None:
    if not holds_role(actor, SCHEDULING_ROLES, clinic_id):
        raise PermissionDenied("No scheduling role in this clinic.")


def _check_physician(clinic: Clinic, physician: User) -> None:
    if not holds_role(physician, (Role.PHYSICIAN,), clinic.pk):
        raise ValidationError(
            {
                "physician": ValidationError(
                    f"{physician} is not a physician of {clinic.name}.", code="clinic_physician"
                )
            }
        )


def _overlaps(first: tuple[time, time], second: tuple[time, time]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def availability_template_create(
    *,
    clinic: Clinic,
    physician: User,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date,
    actor: User,
    slot_minutes: int = 30,
    capacity: int = 1,
    valid_until: date | None = None,
) -> AvailabilityTemplate:
    """Weekly hours. Two templates of one physician may not overlap on the same weekday while
    both are in force: the same start would otherwise be offered twice."""
    require_scheduling(actor, clinic.pk)
    _check_physician(clinic, physician)
    if start_time >= end_time:
        raise ValidationError(
            {"end_time": ValidationError("Ends before it starts.", code="after_start")}
        )
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(
            {"valid_until": ValidationError("Ends before it starts.", code="after_valid_from")}
        )
    with transaction.atomic():
        others = AvailabilityTemplate.objects.filter(physician=physician, weekday=weekday)
        for other in others.select_for_update():
            in_force_together = (other.valid_until is None or other.valid_until >= valid_from) and (
                valid_until is None or valid_until >= other.valid_from
            )
            if in_force_together and _overlaps(
                (start_time, end_time), (other.start_time, other.end_time)
            ):
                raise ValidationError(
                    {
                        "start_time": ValidationError(
                            f"Overlaps {other} at {other.clinic.name}.", code="no_overlap"
                        )
                    }
                )
        return _create(
            AvailabilityTemplate(
                clinic=clinic,
                physician=physician,
                weekday=weekday,
                start_time=start_time,
                end_time=end_time,
                slot_minutes=slot_minutes,
                capacity=capacity,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            actor=actor,
        )


def availability_template_delete(
    template: AvailabilityTemplate, *, actor: User, reason: str
) -> None:
    """Existing bookings stay; only new slots stop being offered."""
    require_scheduling(actor, template.clinic_id)
    _delete(template, actor=actor, reason=reason)


def availability_exception_create(
    *,
    clinic: Clinic,
    physician: User,
    day: date,
    kind: str,
    actor: User,
    start_time: time | None = None,
    end_time: time | None = None,
    slot_minutes: int = 30,
    capacity: int = 1,
    note: str = "",
) -> AvailabilityException:
    require_scheduling(actor, clinic.pk)
    _check_physician(clinic, physician)
    if (start_time is None) != (end_time is None):
        raise ValidationError(
            {"end_time": ValidationError("Give both times, or neither.", code="both_times")}
        )
    if start_time is not None and end_time is not None and start_time >= end_time:
        raise ValidationError(
            {"end_time": ValidationError("Ends before it starts.", code="after_start")}
        )
    if kind == ExceptionKind.EXTRA and start_time is None:
        raise ValidationError(
            {"start_time": ValidationError("Extra hours need their times.", code="required")}
        )
    return _create(
        AvailabilityException(
            clinic=clinic,
            physician=physician,
            date=day,
            kind=kind,
            start_time=start_time,
            end_time=end_time,
            slot_minutes=slot_minutes,
            capacity=capacity,
            note=note,
        ),
        actor=actor,
    )


def availability_exception_delete(
    exception: AvailabilityException, *, actor: User, reason: str
) -> None:
    require_scheduling(actor, exception.clinic_id)
    _delete(exception, actor=actor, reason=reason)
