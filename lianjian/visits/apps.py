from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "lianjian.visits"
    label = "visits"
