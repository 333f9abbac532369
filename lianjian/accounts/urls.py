from django.urls import path

from lianjian.accounts import views, views_manage

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("otp/setup/", views.otp_setup_view, name="otp_setup"),
    path("otp/verify/", views.otp_verify_view, name="otp_verify"),
    path("users/", views_manage.user_list, name="user_list"),
    path("users/new/", views_manage.user_create, name="user_create"),
    path("users/<int:pk>/", views_manage.user_detail, name="user_detail"),
    path("users/<int:pk>/grants/", views_manage.grant_add, name="grant_add"),
    path("users/<int:pk>/deactivate/", views_manage.user_deactivate, name="user_deactivate"),
    path(
        "users/<int:pk>/reset-password/",
        views_manage.user_password_reset,
        name="user_password_reset",
    ),
    path("users/<int:pk>/unlock/", views_manage.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-otp/", views_manage.user_otp_reset, name="user_otp_reset"),
    path("grants/<int:pk>/revoke/", views_manage.grant_revoke, name="grant_revoke"),
]
