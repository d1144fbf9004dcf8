"""Django app configuration of the literature table."""

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "spinereg.registry.evidence"
    label = "evidence"
    verbose_name = "Evidence synthesis"
