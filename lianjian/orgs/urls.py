from django.urls import path

from lianjian.orgs import views, views_conflicts, views_coverage_pdf, views_members, views_tree

app_name = "orgs"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/tree/", views_tree.region_tree, name="region_tree"),
    path("regions/<int:pk>/tree/", views_tree.region_tree_children, name="region_tree_children"),
    path("party-orgs/tree/", views_tree.partyorg_tree, name="partyorg_tree"),
    path(
        "party-orgs/<int:pk>/tree/",
        views_tree.partyorg_tree_children,
        name="partyorg_tree_children",
    ),
    path("regions/<int:pk>/", views.region_detail, name="region_detail"),
    path("regions/<int:pk>/children/new/", views.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", views.region_edit, name="region_edit"),
    path("regions/<int:pk>/deactivate/", views.region_deactivate, name="region_deactivate"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/deactivate/", views.unit_deactivate, name="unit_deactivate"),
    path("party-orgs/", views.partyorg_list, name="partyorg_list"),
    path("party-orgs/new/", views.partyorg_create, name="partyorg_create"),
    path("party-orgs/<int:pk>/", views.partyorg_detail, name="partyorg_detail"),
    path("party-orgs/<int:pk>/edit/", views.partyorg_edit, name="partyorg_edit"),
    path("party-orgs/<int:pk>/deactivate/", views.partyorg_deactivate, name="partyorg_deactivate"),
    path("coverage/pdf/", views_coverage_pdf.coverage_pdf, name="coverage_pdf"),
    path("members/", views_members.member_list, name="member_list"),
    path("members/new/", views_members.member_create, name="member_create"),
    path("members/<int:pk>/", views_members.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views_members.member_edit, name="member_edit"),
    path("members/<int:pk>/deactivate/", views_members.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/unmask/", views_members.member_unmask, name="member_unmask"),
    path("conflicts/", views_conflicts.conflict_list, name="conflict_list"),
]
