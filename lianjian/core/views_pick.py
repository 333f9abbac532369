"""The search endpoint behind every picker (`lianjian.core.pickers`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from lianjian.core.permissions import require_login, user_has_perm
from lianjian.core.pickers import LIMIT, MAX_TEXT, pickers
from lianjian.core.ratelimit import rate_limited

# typing a name sends a request every few keystrokes: generous, but bounded (S22)
PICK_RATE = (240, 60)


@never_cache
@require_login
def pick(request: HttpRequest, key: str) -> HttpResponse:
    picker = pickers().get(key)
    if picker is None:
        raise Http404("未找到该选择器")
    perm = request.GET.get("perm") or picker.perms[0]
    if perm not in picker.perms or not user_has_perm(request.user, perm):
        # the same answer as an unknown picker: nothing to learn from trying
        raise Http404("未找到该选择器")
    limited = rate_limited(request, "core.pick", limit=PICK_RATE[0], window=PICK_RATE[1])
    if limited:
        return limited
    text = (request.GET.get("q") or "").strip()[:MAX_TEXT]
    found = list(picker.search(request.user, perm, text, request.GET))[: LIMIT + 1]
    return render(
        request,
        "core/picker_results.html",
        {"choices": found[:LIMIT], "more": len(found) > LIMIT, "limit": LIMIT},
    )
