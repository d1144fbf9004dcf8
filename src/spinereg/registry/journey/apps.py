from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "spinereg.registry.journey"
    label = "journey"
    verbose_name = "Patient journey: booking, pre-screen, candidacy"
