"""Admin helpers. The admin manages clinics, users, roles and tokens (audited on save); clinical
records are not in the admin at all: they are read through the clinic-scoped pages and changed
only through the audited services. The audit trail is viewable, scoped to the clinics the
viewer administers."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import audit_entry_create, snapshot


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic over many models
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic over many models
    """Saves and deletes from the admin leave an audit entry like every other write."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        after = snapshot(obj)
        after.pop("password", None)
        if before is not None:
            before.pop("password", None)
        audit_entry_create(
            actor=request.user,  # type: ignore[arg-type]  # the admin requires a signed-in user
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            model=obj._meta.label_lower,
            object_id=obj.pk,
            before=before,
            after=after,
            reason="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_entry_create(
            actor=request.user,  # type: ignore[arg-type]  # the admin requires a signed-in user
            action=AuditAction.DELETE,
            model=obj._meta.label_lower,
            object_id=obj.pk,
            before={k: v for k, v in snapshot(obj).items() if k != "password"},
            reason="admin",
        )
        super().delete_model(request, obj)
