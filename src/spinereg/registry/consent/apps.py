from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "spinereg.registry.consent"
    label = "consent"
    verbose_name = "Consent"
