"""Scope for visits and cadre posts: the orgs chokepoint applied to this app's tables.

A visit is seen where its unit lies (region grants), by the unit itself (unit
grants) and by the Party organizations covering the unit or named on the
visit (organization grants): the reach rule of `orgs.access.party_org_reach_q`, the
same `units_visible_to` applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lianjian.orgs.access import get_in_scope, key_scope_q, party_org_reach_q, scope_key, scope_q
from lianjian.visits.models import Cadre, CadrePost, Visit

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def visit_scope_q(user: User, perm: str = "visits.view") -> Q:
    key = scope_key(user, perm)
    q = key_scope_q(key, org_path_field="party_org__path", unit_field="unit_id")
    return q | party_org_reach_q(key, "unit_id")


def visits_visible_to(user: User, perm: str = "visits.view") -> QuerySet[Visit]:
    return Visit.objects.filter(visit_scope_q(user, perm))


def get_visit_for_user(
    user: User, pk: Any, perm: str = "visits.view", request: HttpRequest | None = None
) -> Visit:
    qs = visits_visible_to(user, perm).select_related("unit", "cadre", "party_org")
    return get_in_scope(qs, pk, user=user, request=request)


def posts_visible_to(user: User, perm: str = "visits.view") -> QuerySet[CadrePost]:
    return CadrePost.objects.filter(scope_q(user, perm, org_path_field="party_org__path"))


def cadres_visible_to(user: User, perm: str = "visits.view") -> QuerySet[Cadre]:
    """Cadres holding (or having held) a post somewhere in the user's scope."""
    return Cadre.objects.filter(pk__in=posts_visible_to(user, perm).values("cadre_id"))


def get_cadre_for_user(
    user: User, pk: Any, perm: str = "visits.view", request: HttpRequest | None = None
) -> Cadre:
    return get_in_scope(cadres_visible_to(user, perm), pk, user=user, request=request)
