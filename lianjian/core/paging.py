from __future__ import annotations

from django.http import HttpRequest


def querystring_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, ending in '&' when not empty."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""
