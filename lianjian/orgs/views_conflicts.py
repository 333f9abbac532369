"""The district's list of ID-number conflicts (`orgs.conflicts`, QUALITY.md S25)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from lianjian.core.actors import ActorRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.orgs.conflicts import GENERIC, LEDGER_CAP, RATE, VIEW_PERM, conflicts_visible_to

PAGE_SIZE = 50


@require_perm(VIEW_PERM)
def conflict_list(request: ActorRequest) -> HttpResponse:
    """Who tried to register a number one of this district's members holds, and how."""
    page = Paginator(conflicts_visible_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "orgs/conflict_list.html",
        {
            "page": page,
            "querystring_base": querystring_without_page(request),
            "generic": GENERIC,
            "cap": LEDGER_CAP,
            "rate": RATE[0],
            "window_minutes": RATE[1] // 60,
        },
    )
