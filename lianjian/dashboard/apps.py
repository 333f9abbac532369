from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "lianjian.dashboard"
    label = "dashboard"
