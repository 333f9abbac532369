"""Navigation by role, from every app's declared entries (`lianjian.core.registry`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from lianjian.core.permissions import user_has_any_perm, user_roles
from lianjian.core.registry import NavEntry, nav_entries
from lianjian.core.roles import Role


def _is_active(entry: NavEntry, url: str, path: str) -> bool:
    prefixes = entry.active_prefixes or (url,)
    return any(path == p if p == "/" else path.startswith(p) for p in prefixes)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "role_labels": [], "nav_active": ""}
    items: list[tuple[str, str]] = []
    active = ""
    for entry in nav_entries():
        if entry.surface == "phone" or not user_has_any_perm(user, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append((entry.label, entry.url_name))
        if not active and _is_active(entry, url, request.path):
            active = entry.url_name
    labels = [Role(r).label for r in sorted(user_roles(user))]
    # the entry whose section the page belongs to is marked in the menu
    return {"nav_items": items, "role_labels": labels, "nav_active": active}
