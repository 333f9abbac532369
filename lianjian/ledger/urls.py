from django.urls import path

from lianjian.ledger import views, views_coverage, views_jobs

app_name = "ledger"
urlpatterns = [
    path("", views.ledger_home, name="home"),
    path("template/<str:kind>/", views.import_template, name="template"),
    path("import/<str:kind>/", views.import_upload, name="upload"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/errors/", views.job_errors, name="job_errors"),
    path("jobs/<int:pk>/retry/", views_jobs.import_job_retry, name="job_retry"),
    path("export/<str:kind>/", views.export_list, name="export"),
    path("exports/<int:pk>/", views.export_job_detail, name="export_job"),
    path("exports/<int:pk>/download/", views.export_job_download, name="export_download"),
    path("exports/<int:pk>/retry/", views_jobs.export_job_retry, name="export_retry"),
    path("coverage/", views_coverage.coverage_page, name="coverage"),
    path("coverage/units/", views_coverage.coverage_units, name="coverage_units"),
    path(
        "coverage/units/export/", views_coverage.coverage_units_export, name="coverage_units_export"
    ),
    path("coverage/export/", views_coverage.coverage_export, name="coverage_export"),
]
