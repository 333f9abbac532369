from django.urls import path

from lianjian.core import views_pick

app_name = "pick"
urlpatterns = [path("<str:key>/", views_pick.pick, name="search")]
