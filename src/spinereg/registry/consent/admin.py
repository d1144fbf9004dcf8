"""Administrators publish consent document versions in the admin. A saved document's text never
changes (signatures bind to its hash): a new wording is a new version, and retiring one sets
its retired date. Signatures are read-only here; they are made by the patient."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from spinereg.registry.admin_support import AuditedAdmin, ReadOnlyAdmin
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(AuditedAdmin):
    list_display = ("title", "clinic", "version", "language", "effective_date", "retired_date")
    list_filter = ("clinic", "language")
    readonly_fields = ("sha256",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("sha256",)
        return ("clinic", "version", "language", "title", "body", "sha256", "effective_date")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.sha256 = ConsentDocument.hash_body(obj.body)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(ReadOnlyAdmin):
    list_display = ("patient", "document", "typed_name", "signed_at")
    list_filter = ("document__clinic",)
