from django.urls import path

from lianjian.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_create, name="create"),
    path("manage/", views.notice_manage, name="manage"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/receipts/", views.notice_receipts, name="receipts"),
    path("<int:pk>/pin/", views.notice_pin, name="pin"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment"),
]
