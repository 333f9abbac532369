from django.urls import path

from lianjian.projects import views, views_pairs, views_phone

app_name = "projects"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_create, name="create"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.item_action, name="item_action"),
    path("claims/<int:pk>/<str:action>/", views.claim_decide, name="claim_decide"),
    path("registrations/", views.registration_list, name="registrations"),
    path("registrations/<int:pk>/decide/", views.registration_decide, name="registration_decide"),
    path("report/", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
    path("pairs/", views_pairs.pair_list, name="pairs"),
    path("pairs/new/", views_pairs.pair_create, name="pair_create"),
    path("pairs/<int:pk>/", views_pairs.pair_detail, name="pair_detail"),
    path("pairs/<int:pk>/visits/", views_pairs.pair_visit, name="pair_visit"),
    path("pairs/<int:pk>/end/", views_pairs.pair_end, name="pair_end"),
    path("pairs/photos/<str:token>/", views_phone.pair_photo, name="pair_photo"),
    path("photos/<str:token>/", views.photo, name="photo"),
    path("m/", views_phone.phone_home, name="phone"),
    path("m/register/", views_phone.phone_register, name="phone_register"),
    path("m/items/<int:pk>/", views_phone.phone_item, name="phone_item"),
    path("m/claims/<int:pk>/", views_phone.phone_claim, name="phone_claim"),
    path("m/claims/<int:pk>/withdraw/", views_phone.phone_withdraw, name="phone_withdraw"),
    path("m/pairs/", views_phone.phone_pairs, name="phone_pairs"),
    path("m/pairs/<int:pk>/", views_phone.phone_pair, name="phone_pair"),
]
