from django.urls import path

from lianjian.alliances import views, views_meetings, views_proposals

app_name = "alliances"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.alliance_create, name="alliance_create"),
    path("<int:pk>/", views.alliance_detail, name="alliance_detail"),
    path("<int:pk>/members/", views.alliance_member_add, name="alliance_member_add"),
    path(
        "<int:pk>/members/<int:member_id>/leave/",
        views.alliance_member_leave,
        name="alliance_member_leave",
    ),
    path("<int:pk>/charter/", views.charter_adopt, name="charter_adopt"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/new/", views.body_create, name="body_create"),
    path("bodies/<int:pk>/", views.body_detail, name="body_detail"),
    path("bodies/<int:pk>/members/", views.body_member_add, name="body_member_add"),
    path(
        "bodies/<int:body_id>/meetings/new/", views_meetings.meeting_create, name="meeting_create"
    ),
    path("cadence/", views.cadence_view, name="cadence"),
    path("report/", views.report, name="report"),
    path("meetings/<int:pk>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/print/", views_meetings.meeting_print, name="meeting_print"),
    path("meetings/<int:pk>/action/", views_meetings.meeting_action, name="meeting_action"),
    path("meetings/<int:pk>/vote/", views_meetings.meeting_vote, name="meeting_vote"),
    path("meetings/<int:pk>/files/<str:token>/", views_meetings.attachment, name="attachment"),
    path("checkin/<str:token>/", views_meetings.checkin, name="checkin"),
    path("proposals/", views_proposals.proposal_list, name="proposal_list"),
    path("proposals/new/", views_proposals.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views_proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/action/", views_proposals.proposal_action, name="proposal_action"),
    path("resolutions/", views_proposals.resolution_list, name="resolution_list"),
    path("resolutions/<int:pk>/", views_proposals.resolution_detail, name="resolution_detail"),
    path("resolutions/<int:pk>/tasks/", views_proposals.task_assign, name="task_assign"),
    path("tasks/", views_proposals.task_list, name="task_list"),
    path("tasks/<int:pk>/", views_proposals.task_detail, name="task_detail"),
    path("tasks/<int:pk>/action/", views_proposals.task_action, name="task_action"),
    path("tasks/<int:pk>/files/<str:token>/", views_proposals.task_file, name="task_file"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/items/", views.agreement_item, name="agreement_item"),
    path("m/", views_meetings.phone, name="phone"),
]
