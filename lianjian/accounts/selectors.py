"""Scoped reads for account administration.

An administrator sees the accounts that belong to (home region) or hold a
grant inside the region subtrees of their own `accounts.*` grants, and may
grant roles only inside those subtrees (S8, S10).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from lianjian.accounts.models import Grant, User
from lianjian.core.permissions import grants_with_perm, user_has_perm
from lianjian.orgs.models import PartyOrg, Region

NOTHING = Q(pk__in=[])
ADMIN_PERMS = ("accounts.manage_users", "accounts.manage_grants", "accounts.unlock")


def admin_regions(actor: Any, perm: str) -> QuerySet[Region]:
    """Every region in the subtrees of the actor's region grants carrying `perm`."""
    q = NOTHING
    for grant in grants_with_perm(actor, perm):
        if grant.region_id:
            q |= Q(path__startswith=grant.region.path)
    return Region.objects.filter(q)


def actor_covers_district(actor: Any, perm: str) -> bool:
    """Department grants are district-wide, so only a district-level administrator gives them."""
    return any(
        g.region_id and g.region.level == Region.Level.DISTRICT
        for g in grants_with_perm(actor, perm)
    )


def users_visible_to(actor: Any, perm: str) -> QuerySet[User]:
    region_ids = admin_regions(actor, perm).values("pk")
    matching = User.objects.filter(
        Q(home_region__in=region_ids)
        | Q(grants__region__in=region_ids)
        | Q(grants__party_org__region__in=region_ids)
        | Q(grants__unit__region__in=region_ids)
    ).values("pk")
    return User.objects.filter(pk__in=matching).order_by("username")


def users_for_admin(actor: Any, *, q: str = "", active: str = "") -> QuerySet[User]:
    """Accounts reached by any of the actor's admin duties, optionally filtered."""
    scope = NOTHING
    for perm in ADMIN_PERMS:
        if user_has_perm(actor, perm):
            scope |= Q(pk__in=users_visible_to(actor, perm).values("pk"))
    users = User.objects.filter(scope)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if active in {"0", "1"}:
        users = users.filter(is_active=active == "1")
    return users.order_by("username")


def grantable_party_orgs(actor: Any, perm: str = "accounts.manage_grants") -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(region__in=admin_regions(actor, perm).values("pk"))


def grant_in_actor_scope(actor: Any, grant: Grant, perm: str = "accounts.manage_grants") -> bool:
    """May `actor` revoke this grant: its target lies inside the actor's subtrees."""
    regions = admin_regions(actor, perm)
    if grant.region_id:
        return regions.filter(pk=grant.region_id).exists()
    if grant.party_org is not None:
        return regions.filter(pk=grant.party_org.region_id).exists()
    if grant.unit is not None:
        return regions.filter(pk=grant.unit.region_id).exists()
    return actor_covers_district(actor, perm)


def user_grants_listed(user: User) -> list[Grant]:
    return list(
        user.grants.select_related("region", "party_org", "unit").order_by("role", "created_at")
    )
