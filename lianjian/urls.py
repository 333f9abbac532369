from django.urls import include, path

from lianjian.api import api_urlpatterns

urlpatterns = [
    path("", include("lianjian.dashboard.urls")),
    path("accounts/", include("lianjian.accounts.urls")),
    path("orgs/ledger/", include("lianjian.orgs.urls_ledger")),
    path("orgs/", include("lianjian.orgs.urls")),
    path("needs/", include("lianjian.needs.urls")),
    path("visits/", include("lianjian.visits.urls")),
    path("audit/", include("lianjian.core.urls")),
    path("system/", include("lianjian.core.urls_health")),
    path("api/v1/", api_urlpatterns()),
]

handler403 = "lianjian.core.views.error_403"
handler404 = "lianjian.core.views.error_404"
handler500 = "lianjian.core.views.error_500"
