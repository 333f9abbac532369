from django.urls import path

from lianjian.needs import views
from lianjian.needs.calendar import views as calendar_views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_intake, name="intake"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.need_action, name="action"),
    path("stats/", views.need_stats, name="stats"),
    path("stats.xlsx", views.need_stats_export, name="stats_export"),
    path("config/", views.need_config, name="config"),
    path("config/departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("config/categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("submit/", views.public_submit, name="public_submit"),
    path("track/", views.public_track, name="track"),
    path("track/<str:code>/", views.public_track_detail, name="track_detail"),
    path(
        "track/<str:code>/attachments/<str:token>/",
        views.public_attachment,
        name="track_attachment",
    ),
]
