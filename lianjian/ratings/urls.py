from django.urls import path

from lianjian.ratings import views, views_schemes

app_name = "ratings"
urlpatterns = [
    path("", views.rating_list, name="list"),
    path("ratings/<int:pk>/", views.rating_detail, name="detail"),
    path("ratings/<int:pk>/self/", views.rating_self, name="self"),
    path("ratings/<int:pk>/review/", views.rating_review, name="review"),
    path("ratings/<int:pk>/confirm/", views.rating_confirm, name="confirm"),
    path("ratings/<int:pk>/appeal/", views.rating_appeal, name="appeal"),
    path("evidence/<str:token>/", views.evidence_file, name="evidence"),
    path("report/", views.report, name="report"),
    path("report/organizations/", views.report_drill, name="drill"),
    path("schemes/", views_schemes.scheme_list, name="schemes"),
    path("schemes/<int:pk>/", views_schemes.scheme_detail, name="scheme"),
]
