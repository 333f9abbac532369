from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianjian.core"
    label = "core"

    def ready(self) -> None:
        from lianjian.core.lookups import register

        register()
