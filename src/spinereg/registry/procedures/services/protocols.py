"""Processing protocols: versioned per clinic. A version is never edited; a change is a new
version, which closes the one before it on the day it takes effect.

Protocols are clinic configuration, not patient records, so the audit entries carry the clinic
(for the administrators' audit view) rather than a patient; they are written in the same
transaction as the row, like every other audited write."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from spinereg.core.product.protocol import ProtocolSpec
from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import audit_entry_create, snapshot
from spinereg.registry.procedures.models import ProcessingProtocol
from spinereg.registry.procedures.services.common import field_error, require_step_role

PROTOCOL_FIELDS = (
    "harvest_site",
    "harvest_side",
    "syringe_volume_ml",
    "pulls_per_side",
    "needle_gauge",
    "anticoagulant",
    "anticoagulant_volume_ml",
    "processing_system",
    "g_force",
    "spin_minutes",
    "spins",
    "target_aspirate_volume_ml",
    "target_concentrate_volume_ml",
    "shelf_life_minutes",
    "acceptance_rules",
)


def protocol_in_force(clinic_id: int, name: str, on: date) -> ProcessingProtocol | None:
    return (
        ProcessingProtocol.objects.filter(clinic_id=clinic_id, name=name, effective_from__lte=on)
        .exclude(effective_to__lte=on)
        .order_by("-version")
        .first()
    )


def protocol_create(
    *,
    clinic: Clinic,
    actor: User,
    name: str,
    effective_from: date,
    values: dict[str, Any],
    reason: str = "",
) -> ProcessingProtocol:
    """A new version of the protocol `name` (version 1 if the name is new). `values` holds the
    PROTOCOL_FIELDS; acceptance ranges are checked by the core parser (model `clean`)."""
    require_step_role(actor, clinic.pk, "protocol")
    unknown = sorted(set(values) - set(PROTOCOL_FIELDS))
    if unknown:
        raise ValidationError(
            {
                field: ValidationError("Not a protocol field.", code="unknown_field")
                for field in unknown
            }
        )
    if not name.strip():
        raise field_error("name", "Name the protocol.", "required")
    with transaction.atomic():
        previous = (
            ProcessingProtocol.objects.select_for_update()
            .filter(clinic=clinic, name=name.strip())
            .order_by("-version")
            .first()
        )
        if previous is not None and effective_from <= previous.effective_from:
            raise field_error(
                "effective_from",
                f"Version {previous.version + 1} must start after version {previous.version} "
                f"({previous.effective_from.isoformat()}).",
                "after_previous_version",
            )
        protocol = ProcessingProtocol(
            clinic=clinic,
            name=name.strip(),
            version=previous.version + 1 if previous is not None else 1,
            effective_from=effective_from,
            created_by=actor,
            **values,
        )
        protocol.full_clean()
        protocol.save()
        audit_entry_create(
            actor=actor,
            action=AuditAction.CREATE,
            model=protocol._meta.label_lower,
            object_id=protocol.pk,
            clinic_id=clinic.pk,
            after=snapshot(protocol),
            reason=reason,
        )
        if previous is not None and (
            previous.effective_to is None or previous.effective_to > effective_from
        ):
            before = snapshot(previous)
            previous.effective_to = effective_from
            previous.full_clean()
            previous.save(update_fields=["effective_to"])
            audit_entry_create(
                actor=actor,
                action=AuditAction.UPDATE,
                model=previous._meta.label_lower,
                object_id=previous.pk,
                clinic_id=clinic.pk,
                before={"effective_to": before["effective_to"]},
                after={"effective_to": effective_from.isoformat()},
                reason=f"superseded by version {protocol.version}",
            )
    return protocol


def protocol_create_from_spec(
    *, clinic: Clinic, actor: User, spec: ProtocolSpec, effective_from: date, reason: str = ""
) -> ProcessingProtocol:
    """Load a protocol given as data (e.g. core.product.protocol.example_protocol())."""
    values = {
        field: getattr(spec, field)
        for field in PROTOCOL_FIELDS
        if field != "acceptance_rules" and getattr(spec, field) is not None
    }
    values["acceptance_rules"] = [rule.as_dict() for rule in spec.acceptance]
    return protocol_create(
        clinic=clinic,
        actor=actor,
        name=spec.name,
        effective_from=effective_from,
        values=values,
        reason=reason,
    )
