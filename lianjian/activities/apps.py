from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "lianjian.activities"
    label = "activities"
    verbose_name = "志愿服务与活动"

    def ready(self) -> None:
        from lianjian.activities import tasks  # noqa: F401  (declares the reminders to the health page)
