from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "lianjian.points"
    label = "points"
    verbose_name = "积分与红色联盟卡"
