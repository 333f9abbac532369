from django.urls import path

from lianjian.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("screen/", views.screen, name="screen"),
    path("screen/data.json", views.screen_data, name="screen_data"),
    # browsers ask for /favicon.ico before reading the page's icon link
    path("favicon.ico", views.favicon, name="favicon"),
]
