from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from spinereg.registry.accounts.models import ApiToken, Clinic, Membership, User
from spinereg.registry.admin_support import AuditedAdmin


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]  # django-stubs generic
    model = Membership
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(AuditedAdmin):
    list_display = ("name", "code", "timezone")
    search_fields = ("name", "code")


@admin.register(User)
class SpineregUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]  # generic base
    inlines = (MembershipInline,)
    list_display = ("username", "printed_name", "email", "is_active", "is_staff")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Signature", {"fields": ("printed_name",)}))


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "clinic", "role", "created_at")
    list_filter = ("role", "clinic")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "user", "created_at", "revoked_at")
    readonly_fields = ("key_hash",)
