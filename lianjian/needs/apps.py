from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "lianjian.needs"
    label = "needs"

    def ready(self) -> None:
        from lianjian.needs import tasks  # noqa: F401  (declares the tick to the health page)
