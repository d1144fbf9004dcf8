from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "spinereg.registry.procedures"
    label = "procedures"
    verbose_name = "BMAC procedure day"
