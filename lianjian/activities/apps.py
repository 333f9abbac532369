from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "lianjian.activities"
    label = "activities"
    verbose_name = "志愿服务与活动"
