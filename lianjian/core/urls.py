from django.urls import path

from lianjian.core import views_audit

app_name = "core"
urlpatterns = [
    path("", views_audit.audit_list, name="audit_list"),
    path("export/", views_audit.audit_export, name="audit_export"),
]
