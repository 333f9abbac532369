from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "lianjian.needs"
    label = "needs"
