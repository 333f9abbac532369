from django.urls import path

from lianjian.surveys import views, views_answer

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/build/", views.survey_build, name="build"),
    path("<int:pk>/proposal/", views.survey_proposal, name="proposal"),
    path("<int:pk>/qr.svg", views.survey_qr, name="qr"),
    path("<int:pk>/export.xlsx", views.survey_export, name="export"),
    path("<int:pk>/<str:op>/", views.survey_action, name="action"),
    path("answer/", views_answer.inbox, name="inbox"),
    path("answer/<int:pk>/", views_answer.answer, name="answer"),
    path("s/<str:token>/", views_answer.public_answer, name="public"),
]
