from django.urls import path

from lianjian.core import views_notifications as views

app_name = "core_notifications"
urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
]
