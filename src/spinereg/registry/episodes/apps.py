from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "spinereg.registry.episodes"
    label = "episodes"
    verbose_name = "Treatment episodes"
