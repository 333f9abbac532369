"""The URLconf: every app's pages at the prefix its registry declares, then the API."""

from django.urls import include, path

from lianjian.api import api_urlpatterns
from lianjian.core.registry import registries

urlpatterns = [
    path(prefix, include(module)) for registry in registries() for prefix, module in registry.urls
]
urlpatterns.append(path("api/v1/", api_urlpatterns()))

handler403 = "lianjian.core.views.error_403"
handler404 = "lianjian.core.views.error_404"
handler500 = "lianjian.core.views.error_500"
