from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "lianjian.ratings"
    label = "ratings"
    verbose_name = "星级评定与分类定级"
