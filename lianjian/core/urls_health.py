from django.urls import path

from lianjian.core import views_health

app_name = "system"
urlpatterns = [path("health/", views_health.health_page, name="health")]
