"""Navigation by role, from every app's declared entries (`lianjian.core.registry`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from lianjian.core.permissions import user_has_any_perm, user_roles
from lianjian.core.registry import NavEntry, nav_entries
from lianjian.core.roles import Role


def _match(entry: NavEntry, url: str, path: str) -> int:
    """How long a prefix of `path` the entry claims (0: none); "/" claims only the home."""
    prefixes = entry.active_prefixes or (url,)
    hits = [len(p) for p in prefixes if (path == p if p == "/" else path.startswith(p))]
    return max(hits, default=0)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "role_labels": [], "nav_active": ""}
    items: list[tuple[str, str]] = []
    active, best = "", 0
    for entry in nav_entries():
        if entry.surface == "phone" or not user_has_any_perm(user, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append((entry.label, entry.url_name))
        # the longest matching prefix wins: /needs/stats/ marks 需求统计, not 需求工单
        length = _match(entry, url, request.path)
        if length > best:
            active, best = entry.url_name, length
    labels = [Role(r).label for r in sorted(user_roles(user))]
    # the entry whose section the page belongs to is marked in the menu
    return {"nav_items": items, "role_labels": labels, "nav_active": active}
