from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spinereg.registry.accounts"
    label = "accounts"
    verbose_name = "Clinics and users"
