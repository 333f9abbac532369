from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "lianjian.jobs"
    label = "jobs"
    verbose_name = "拉勾计划（社区招聘）"

    def ready(self) -> None:
        from lianjian.jobs import tasks  # noqa: F401  (declares the tick to the health page)
