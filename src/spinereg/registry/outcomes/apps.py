from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "spinereg.registry.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
