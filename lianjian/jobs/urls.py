from django.urls import path

from lianjian.jobs import views

app_name = "jobs"
urlpatterns = [
    # residents, on a phone
    path("", views.browse, name="browse"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/apply/", views.job_apply, name="apply"),
    path("resume/", views.resume_edit, name="resume"),
    path("resume/consent/", views.resume_consent, name="resume_consent"),
    path("resume/withdraw/", views.resume_withdraw, name="resume_withdraw"),
    path("mine/", views.my_applications, name="mine"),
    path("mine/<int:pk>/", views.my_application, name="my_application"),
    # recruiters
    path("postings/", views.postings, name="postings"),
    path("postings/new/", views.posting_create, name="posting_create"),
    path("postings/<int:pk>/", views.posting_detail, name="posting"),
    path("postings/<int:pk>/edit/", views.posting_edit, name="posting_edit"),
    path("postings/<int:pk>/action/", views.posting_action, name="posting_action"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    # community and street staff
    path("review/", views.review, name="review"),
    path("review/postings/<int:pk>/", views.review_posting, name="review_posting"),
    path("review/resumes/<int:pk>/", views.review_resume, name="review_resume"),
    path("report/", views.report, name="report"),
]
