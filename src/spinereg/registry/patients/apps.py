from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "spinereg.registry.patients"
    label = "patients"
    verbose_name = "Patients"
