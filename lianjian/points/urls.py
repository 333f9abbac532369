from django.urls import path

from lianjian.points import views, views_phone, views_shops

app_name = "points"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("rules/", views.rules, name="rules"),
    path("certify/", views.certify, name="certify"),
    path("adjust/", views.adjust, name="adjust"),
    path("cards/", views.cards, name="cards"),
    path("cards/<int:pk>/<str:action>/", views.card_action, name="card_action"),
    path("merchants/", views.merchants, name="merchants"),
    path("merchants/join/", views_shops.merchant_join, name="merchant_join"),
    path("merchants/agreements/", views_shops.agreement_sign, name="agreement_sign"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
    path("me/", views_phone.me, name="me"),
    path("me/history/", views_phone.history, name="history"),
    path("me/uses/", views_phone.uses, name="uses"),
    path("me/consent/", views_phone.consent, name="consent"),
    path("me/rotate/", views_phone.rotate, name="rotate"),
    path("shop/", views_phone.shop, name="shop"),
    path("shop/redeem/", views_phone.redeem, name="redeem"),
]
