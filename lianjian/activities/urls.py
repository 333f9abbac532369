from django.urls import path

from lianjian.activities import (
    views,
    views_manage,
    views_phone,
    views_rosters,
    views_school,
    views_venues,
)

app_name = "activities"
urlpatterns = [
    # members, on a phone
    path("m/", views_phone.phone_home, name="phone_home"),
    path("m/join/", views_phone.join, name="join"),
    path("m/withdraw/", views_phone.withdraw, name="withdraw"),
    path("m/events/<int:pk>/", views_phone.event_phone, name="event_phone"),
    path("m/events/<int:pk>/signup/", views_phone.signup, name="signup"),
    path("m/events/<int:pk>/cancel/", views_phone.signup_cancel, name="signup_cancel"),
    path("checkin/<str:token>/", views_phone.checkin, name="checkin"),
    path("me/qr/", views_phone.my_qr, name="my_qr"),
    path("me/hours/", views_phone.my_hours, name="my_hours"),
    path("me/calendar.ics", views_phone.my_ics, name="my_ics"),
    path("calendar/", views_phone.month, name="calendar"),
    path("me/hours/log/", views_phone.log_hours, name="log_hours"),
    path("m/team-hours/", views_phone.team_hours, name="team_hours"),
    # organizers and staff
    path("events/", views.events, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/action/", views.event_action, name="event_action"),
    path("events/<int:pk>/report/", views.event_report, name="event_report"),
    path("photos/<str:token>/", views.event_photo, name="event_photo"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("hours/", views.hours_queue, name="hours_queue"),
    path("report/", views.report, name="report"),
    path("school/", views_school.school, name="school"),
    path("school/lessons/<int:pk>/", views_school.lesson, name="lesson"),
    path("school/lessons/<int:pk>/video/", views_school.lesson_video, name="lesson_video"),
    path("school/report/", views_school.school_report, name="school_report"),
    path("rosters/", views_rosters.rosters, name="rosters"),
    path("rosters/<int:pk>/", views_rosters.roster_detail, name="roster"),
    path("venues/", views_venues.venues, name="venues"),
    path("venues/<int:pk>/", views_venues.venue_detail, name="venue"),
    path("venues/new/", views_manage.venue_new, name="venue_new"),
    path("venues/<int:pk>/edit/", views_manage.venue_edit, name="venue_edit"),
    path("school/courses/new/", views_manage.course_new, name="course_new"),
    path("school/courses/<int:pk>/", views_manage.course_edit, name="course"),
]
