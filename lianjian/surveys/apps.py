from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "lianjian.surveys"
    label = "surveys"
    verbose_name = "问卷调查"

    def ready(self) -> None:
        from lianjian.surveys import tasks  # noqa: F401  (declares the tick to the health page)
