from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "spinereg.registry.instruments"
    label = "instruments"
    verbose_name = "Instruments"
