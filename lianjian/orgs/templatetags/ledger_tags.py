"""Template helpers for the registry list pages' Excel export links."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from lianjian.core.permissions import user_has_perm
from lianjian.orgs.selectors import member_search_params

register = template.Library()

EXPORT_PERM = "orgs.export"


@register.simple_tag(takes_context=True)
def export_url(context: dict[str, Any], kind: str) -> str:
    """The export route for `kind` carrying the list page's current filters, or "".

    The filters travel as the page's own query string minus `page`, so the file
    holds exactly what the list shows across all its pages; member searches by
    ID number or mobile already arrive as blind-index `qi`/`qm` parameters, never
    as plaintext, and a plaintext `q` is turned into them here. Users without the export permission get no link.
    """
    request = context.get("request")
    if request is None or not user_has_perm(request.user, EXPORT_PERM):
        return ""
    params = request.GET.copy()
    params.pop("page", None)
    if kind == "members" and "q" in params:
        # a number typed straight into a URL (`?q=<ID>`) still leaves as a blind index
        params.update(member_search_params(params.pop("q")[-1]))
    query = params.urlencode()
    return reverse("ledger:export", args=[kind]) + (f"?{query}" if query else "")
