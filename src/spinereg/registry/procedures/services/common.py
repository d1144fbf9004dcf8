"""What every procedure-day service shares: who may record which step, turning a core
RuleViolation into a field-keyed ValidationError, and reading the episode under a row lock."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from spinereg.core.errors import RuleViolation
from spinereg.core.vocabulary import TreatmentKind
from spinereg.registry.access import holds_role, require_clinical_write
from spinereg.registry.accounts.models import Role, User
from spinereg.registry.episodes.models import Episode

# Who records each step of the day (the division of work); enforced here, in the
# services, so the page, the API and any script obey the same rule.
STEP_ROLES: dict[str, tuple[str, ...]] = {
    "protocol": (Role.ADMINISTRATOR,),
    "harvest": (Role.COORDINATOR,),
    "processing": (Role.TECHNICIAN,),
    "label": (Role.TECHNICIAN,),
    "acknowledgement": (Role.PHYSICIAN,),
    "identity_check": (Role.COORDINATOR, Role.TECHNICIAN, Role.PHYSICIAN),
    "injection": (Role.PHYSICIAN,),
    "signature": (Role.PHYSICIAN,),
}
STEP_NAMES = {
    "protocol": "manage protocols",
    "harvest": "record the harvest",
    "processing": "record processing",
    "label": "label the product",
    "acknowledgement": "acknowledge a deviation",
    "identity_check": "check a wristband and label",
    "injection": "record the injection",
    "signature": "sign the procedure note",
}


def role_names(roles: tuple[str, ...]) -> str:
    return " or ".join(Role(role).label.lower() for role in roles)


def require_step_role(actor: User, clinic_id: int, step: str) -> None:
    """PermissionDenied, with the role needed, unless `actor` may do `step` in this clinic."""
    roles = STEP_ROLES[step]
    if step != "protocol":
        require_clinical_write(actor, clinic_id)
    if not holds_role(actor, roles, clinic_id):
        raise PermissionDenied(f"Only a {role_names(roles)} of this clinic may {STEP_NAMES[step]}.")


def may(actor: Any, clinic_id: int, step: str) -> bool:
    """For pages: whether to offer the form of `step` to this user."""
    return holds_role(actor, STEP_ROLES[step], clinic_id)


def field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def checked(check: Callable[[], None], prefix: str = "") -> None:
    """Run a core check; its RuleViolation becomes a ValidationError keyed by the field."""
    try:
        check()
    except RuleViolation as violation:
        field = f"{prefix}{violation.field}" if prefix else violation.field
        message = violation.message[:1].upper() + violation.message[1:] + "."
        raise field_error(field, message, violation.rule) from None


def locked_episode(episode: Episode) -> Episode:
    """The episode re-read under a row lock (inside a transaction), so two people recording
    the same day wait for each other instead of both passing the same checks."""
    return (
        Episode.objects.select_for_update(of=("self",))
        .select_related("patient", "clinic")
        .get(pk=episode.pk)
    )


def require_bmac(episode: Episode) -> None:
    if episode.kind != TreatmentKind.BMAC.value:
        raise field_error("episode", "Only a BMAC episode has a procedure day.", "bmac_only")


def require_reason_if_signed(episode: Episode, reason: str) -> None:
    if episode.is_locked and not reason.strip():
        raise field_error(
            "reason",
            "The procedure note is signed; a reason for the change is required.",
            "reason_required",
        )


def now_or(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def changed_fields(instance: models.Model, changes: dict[str, Any]) -> dict[str, Any]:
    """The subset of `changes` that differs from the instance's current values."""
    return {name: value for name, value in changes.items() if getattr(instance, name) != value}
