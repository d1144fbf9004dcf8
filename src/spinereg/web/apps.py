from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "spinereg.web"
    label = "web"
    verbose_name = "Web"
