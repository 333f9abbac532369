from django.urls import path

from lianjian.orgs import views

app_name = "orgs"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("units/", views.unit_list, name="unit_list"),
    path("party-orgs/", views.partyorg_list, name="partyorg_list"),
    path("members/", views.member_list, name="member_list"),
]
