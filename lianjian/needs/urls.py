from django.urls import path

from lianjian.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_intake, name="intake"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.need_action, name="action"),
    path("stats/", views.need_stats, name="stats"),
    path("stats.xlsx", views.need_stats_export, name="stats_export"),
    path("config/", views.need_config, name="config"),
    path("calendar/", views.calendar, name="calendar"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("submit/", views.public_submit, name="public_submit"),
    path("track/", views.public_track, name="track"),
    path("track/<str:code>/", views.public_track_detail, name="track_detail"),
]
