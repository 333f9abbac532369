"""Who sees which needs: region grants (through the orgs chokepoint) and department grants.

Street and community staff see needs located in their subtree; department
handlers see needs assigned to their department(s) and nothing else. A need
is assigned by a dispatch only: triage's proposal is kept apart
(`proposed_department`) and grants no visibility, so `department` — on the
need, its events, summary and tallies alike — is empty until dispatch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lianjian.core.permissions import grants_with_perm
from lianjian.core.roles import Role
from lianjian.needs.models import Department, Need, NeedEvent, NeedSummary, NeedTally
from lianjian.orgs.access import ScopeKey, get_in_scope, key_scope_q, scope_key, scope_q

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def department_ids_of(user: User, perm: str = "needs.view") -> list[int]:
    """Departments whose handler grants give `user` the permission."""
    keys = [
        g.department_key
        for g in grants_with_perm(user, perm)
        if g.role == Role.DEPT_HANDLER and g.department_key
    ]
    if not keys:
        return []
    return list(Department.objects.filter(key__in=keys).values_list("pk", flat=True))


# a needs scope as plain values (ADR 0012): the region/organization grants' scope key
# and the handler's department ids; caches key on it, `key_need_scope_q` rebuilds the filter
NeedScopeKey = tuple[ScopeKey, tuple[int, ...]]


def need_scope_key(user: User, perm: str = "needs.view") -> NeedScopeKey:
    return scope_key(user, perm), tuple(sorted(department_ids_of(user, perm)))


def key_need_scope_q(key: NeedScopeKey, prefix: str = "") -> Q:
    places, dept_ids = key
    q = key_scope_q(places, prefix=prefix)
    if dept_ids:
        q |= Q(**{prefix + "department_id__in": list(dept_ids)})
    return q


def need_scope_q(user: User, perm: str = "needs.view", prefix: str = "") -> Q:
    return key_need_scope_q(need_scope_key(user, perm), prefix=prefix)


def needs_visible_to(user: User, perm: str = "needs.view") -> QuerySet[Need]:
    return Need.objects.filter(need_scope_q(user, perm))


def need_events_visible_to(user: User, perm: str = "needs.stats") -> QuerySet[NeedEvent]:
    """Events for statistics: region scope on the event's own ancestor ids, or the department."""
    q = scope_q(user, perm)
    dept_ids = department_ids_of(user, perm)
    if dept_ids:
        q |= Q(department_id__in=dept_ids)
    return NeedEvent.objects.filter(q)


def summaries_visible_to(user: User, perm: str = "needs.stats") -> QuerySet[NeedSummary]:
    """Need summaries for statistics: the same scope as the needs themselves."""
    return NeedSummary.objects.filter(need_scope_q(user, perm))


def tallies_visible_to(user: User, perm: str = "needs.stats") -> QuerySet[NeedTally]:
    """All-time tallies for statistics: the same scope, on the tally's own ancestor ids."""
    return NeedTally.objects.filter(need_scope_q(user, perm))


def get_need_for_user(
    user: User, pk: Any, perm: str = "needs.view", request: HttpRequest | None = None
) -> Need:
    return get_in_scope(needs_visible_to(user, perm), pk, user=user, request=request)


def streets_configurable_by(user: User) -> list[int]:
    """Street ids whose needs configuration `user` may edit (street or district grants)."""
    from lianjian.orgs.models import Region

    ids: set[int] = set()
    for grant in grants_with_perm(user, "needs.configure"):
        if not grant.region_id:
            continue
        region = grant.region
        if region.level == Region.Level.STREET:
            ids.add(region.pk)
        elif region.level == Region.Level.DISTRICT:
            ids.update(
                Region.objects.filter(
                    level=Region.Level.STREET, district_ref_id=region.pk
                ).values_list("pk", flat=True)
            )
    return sorted(ids)
