"""The access chokepoint: every read of patient data starts from one of these selectors, so
"who may see this" is answered and tested in one place. Forbidden and missing rows alike fall
outside the queryset, hence 404, never a hint that a record exists."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from spinereg.registry.accounts.models import (
    CLINICAL_ROLES,
    WRITING_ROLES,
    Clinic,
    Membership,
    Role,
)
from spinereg.registry.episodes.models import Episode
from spinereg.registry.patients.models import Patient

# Request users are User or AnonymousUser; tokens and tests pass User. Checked at run time.
AnyUser = Any


def _is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def clinic_ids_for(
    user: AnyUser, roles: tuple[str, ...] = CLINICAL_ROLES
) -> QuerySet[Membership, Any]:
    """Clinic ids where `user` holds one of `roles` (a subquery, not a list)."""
    if not _is_active(user):
        return Membership.objects.none().values("clinic_id")
    return Membership.objects.filter(user=user, role__in=roles).values("clinic_id")


def clinics_visible_to(user: AnyUser) -> QuerySet[Clinic]:
    return Clinic.objects.filter(pk__in=clinic_ids_for(user))


def patients_visible_to(user: AnyUser) -> QuerySet[Patient]:
    """Clinical staff: the patients of their clinics. A patient: themself only. Researchers:
    nobody (they work on de-identified data)."""
    if not _is_active(user):
        return Patient.objects.none()
    clinic_ids = list(clinic_ids_for(user).values_list("clinic_id", flat=True))
    if clinic_ids:
        # A plain IN list lets the planner use the clinic and name indexes; an OR with the
        # patient's own row would force a scan of every patient.
        return Patient.objects.filter(clinic_id__in=clinic_ids)
    return Patient.objects.filter(user=user)


def episodes_visible_to(user: AnyUser) -> QuerySet[Episode]:
    return Episode.objects.filter(patient__in=patients_visible_to(user))


def holds_role(user: AnyUser, roles: tuple[str, ...], clinic_id: int | None = None) -> bool:
    if not _is_active(user):
        return False
    memberships = Membership.objects.filter(user=user, role__in=roles)
    if clinic_id is not None:
        memberships = memberships.filter(clinic_id=clinic_id)
    return memberships.exists()


def require_clinical_write(user: AnyUser, clinic_id: int) -> None:
    """Raise PermissionDenied unless `user` may write clinical records of this clinic."""
    if not holds_role(user, WRITING_ROLES, clinic_id):
        raise PermissionDenied("No clinical role in this clinic.")


def is_researcher(user: AnyUser) -> bool:
    return holds_role(user, (Role.RESEARCHER,))


def research_clinic_ids(user: AnyUser) -> QuerySet[Membership, Any]:
    return clinic_ids_for(user, (Role.RESEARCHER, Role.ADMINISTRATOR))
