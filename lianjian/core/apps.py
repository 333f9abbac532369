from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianjian.core"
    label = "core"
