from django.urls import path

from lianjian.needs import views, views_config, views_reports
from lianjian.needs.calendar import views as calendar_views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_intake, name="intake"),
    path("export.xlsx", views_reports.need_list_export, name="list_export"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/print/", views_reports.need_print, name="print"),
    path("<int:pk>/workorder.pdf", views_reports.need_workorder_pdf, name="workorder_pdf"),
    path("<int:pk>/<slug:action>/", views.need_action, name="action"),
    path("stats/", views.need_stats, name="stats"),
    path("stats.xlsx", views.need_stats_export, name="stats_export"),
    path("stats.pdf", views_reports.need_stats_pdf, name="stats_pdf"),
    path("config/", views_config.need_config, name="config"),
    path("config/departments/<int:pk>/", views_config.department_edit, name="department_edit"),
    path("config/categories/<int:pk>/", views_config.category_edit, name="category_edit"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("catalogue/", views_config.catalogue, name="catalogue"),
    path("submit/", views.public_submit, name="public_submit"),
    path("submit/places/", views.public_places, name="public_places"),
    path("track/", views.public_track, name="track"),
    path("track/<str:code>/", views.public_track_detail, name="track_detail"),
    path(
        "track/<str:code>/attachments/<str:token>/",
        views.public_attachment,
        name="track_attachment",
    ),
]
