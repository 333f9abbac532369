"""Tree pages: the Party-organization tree and the region tree, one level per request.

The page renders the user's roots; each node opens with htmx (`<details>`
toggled once), fetching its children through the scope chokepoint, so a
district's thousands of organizations never load at once. Each node's figures
link to the registry list filtered to that subtree: the tree is the lists'
navigation.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from lianjian.core.actors import ActorRequest
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs import access, tree


def _offset(request: ActorRequest) -> int:
    raw = request.GET.get("offset", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0


def _level(
    request: ActorRequest, page: str, items: str, level: tree.TreeLevel, **extra: Any
) -> HttpResponse:
    """The whole page, or (asked for more of a level) just the next items."""
    context = {"level": level, "more_url": request.path, **_can_list(request), **extra}
    return render(request, items if level.offset else page, context)


def _can_list(request: ActorRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_view_members": user_has_perm(user, "orgs.view_member"),
        "can_view_units": user_has_perm(user, "orgs.view_unit"),
        "can_view_orgs": user_has_perm(user, "orgs.view_partyorg"),
        "can_view_regions": user_has_perm(user, "orgs.view_region"),
    }


@require_perm("orgs.view_partyorg")
def partyorg_tree(request: ActorRequest) -> HttpResponse:
    level = tree.party_org_tree_roots(request.user, offset=_offset(request))
    return _level(
        request, "orgs/tree/partyorg_tree.html", "orgs/tree/_org_items.html", level, tab="orgs"
    )


@require_perm("orgs.view_partyorg")
def partyorg_tree_children(request: ActorRequest, pk: int) -> HttpResponse:
    org = access.get_party_org_for_user(request.user, pk, request=request)
    level = tree.party_org_tree_children(request.user, org, offset=_offset(request))
    return _level(request, "orgs/tree/_org_nodes.html", "orgs/tree/_org_items.html", level)


@require_perm("orgs.view_region")
def region_tree(request: ActorRequest) -> HttpResponse:
    level = tree.region_tree_roots(request.user, offset=_offset(request))
    return _level(
        request,
        "orgs/tree/region_tree.html",
        "orgs/tree/_region_items.html",
        level,
        tab="regions",
    )


@require_perm("orgs.view_region")
def region_tree_children(request: ActorRequest, pk: int) -> HttpResponse:
    region = access.get_region_for_user(request.user, pk, request=request)
    level = tree.region_tree_children(request.user, region, offset=_offset(request))
    return _level(request, "orgs/tree/_region_nodes.html", "orgs/tree/_region_items.html", level)
