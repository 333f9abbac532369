from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "lianjian.ops"
    label = "ops"
