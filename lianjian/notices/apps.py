from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "lianjian.notices"
    label = "notices"
    verbose_name = "通知公告"
    default_auto_field = "django.db.models.BigAutoField"
