from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "spinereg.registry.followup"
    label = "followup"
    verbose_name = "Follow-up"
