from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from spinereg.registry.access import clinic_ids_for
from spinereg.registry.accounts.models import Role
from spinereg.registry.admin_support import ReadOnlyAdmin
from spinereg.registry.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "model", "object_id", "reason")
    list_filter = ("action", "model")
    search_fields = ("object_id", "reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry, Any]:
        """Entries of the clinics the viewer administers, and clinic-less administrative ones:
        the trail holds before/after values of patient records."""
        administered = clinic_ids_for(request.user, (Role.ADMINISTRATOR,))
        return (
            super()
            .get_queryset(request)
            .filter(
                Q(clinic_id__in=administered) | Q(clinic_id__isnull=True, patient_id__isnull=True)
            )
        )
