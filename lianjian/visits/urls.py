from django.urls import path

from lianjian.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_create, name="create"),
    path("export/", views.visit_export, name="export"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/need/", views.visit_raise_need, name="raise_need"),
    path("<int:pk>/follow-up/", views.visit_follow_up, name="follow_up"),
    path("coverage/", views.coverage, name="coverage"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
]
