from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "spinereg.registry.audit"
    label = "audit"
    verbose_name = "Audit trail"
