"""The scope chokepoint (DESIGN.md rule 2, QUALITY.md S8).

A user's grants name subtrees; this module turns them into one queryset
filter on the denormalized ancestor ids every scoped table carries. Every
selector starts here, and every detail fetch goes through `get_in_scope`,
which answers 404 for what the user may not see.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from lianjian.core.actors import Viewer
from lianjian.core.audit import audit_record
from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit

M = TypeVar("M", bound=Model)

LEVEL_FIELD = {
    Region.Level.DISTRICT: "district_id",
    Region.Level.STREET: "street_id",
    Region.Level.COMMUNITY: "community_id",
    Region.Level.AREA: "area_id",
}
NOTHING = Q(pk__in=[])


# One grant as a statement sees it: its kind, the place's id, and what the filter reads
# of the place besides its id (a region's level, a Party organization's path).
ScopePlace = tuple[str, int, str]
# every grant of a user carrying one permission, sorted: hashable, so statements
# compiled for a scope can be cached by it (a `Q` holding a subquery never compares equal)
ScopeKey = tuple[ScopePlace, ...]


def region_grant_q(region: Region, prefix: str = "") -> Q:
    """Rows located anywhere in `region`'s subtree, for a table with ancestor ids."""
    return Q(**{prefix + LEVEL_FIELD[Region.Level(region.level)]: region.pk})


def scope_key(user: Viewer, perm: str) -> ScopeKey:
    """The grants of `user` whose role carries `perm`, as plain values (see `ScopeKey`)."""
    places: set[ScopePlace] = set()
    for grant in grants_with_perm(user, perm):
        if grant.region_id:
            places.add(("region", grant.region_id, str(grant.region.level)))
        elif grant.party_org_id:
            places.add(("party_org", grant.party_org_id, grant.party_org.path))
        elif grant.unit_id:
            places.add(("unit", grant.unit_id, ""))
    return tuple(sorted(places))


def scope_q(
    user: Viewer,
    perm: str,
    *,
    prefix: str = "",
    org_path_field: str | None = None,
    unit_field: str | None = None,
) -> Q:
    """One filter for every grant of `user` whose role carries `perm`.

    Region grants use the ancestor ids (`prefix` reaches them through a
    relation); Party-organization grants match `org_path_field` by tree
    prefix; unit grants match `unit_field`. A grant kind the table cannot
    express contributes nothing: deny by default.
    """
    return key_scope_q(
        scope_key(user, perm), prefix=prefix, org_path_field=org_path_field, unit_field=unit_field
    )


def key_scope_q(
    key: ScopeKey,
    *,
    prefix: str = "",
    org_path_field: str | None = None,
    unit_field: str | None = None,
) -> Q:
    """`scope_q` from a `scope_key`."""
    q = NOTHING
    for kind, pk, detail in key:
        if kind == "region":
            q |= Q(**{prefix + LEVEL_FIELD[Region.Level(detail)]: pk})
        elif kind == "party_org" and org_path_field:
            q |= Q(**{org_path_field + "__startswith": detail})
        elif kind == "unit" and unit_field:
            q |= Q(**{unit_field: pk})
    return q


def party_org_reach_q(key: ScopeKey, unit_field: str) -> Q:
    """The one Party-organization reach rule: a Party-organization grant reaches the units
    that an organization of its subtree covers now (a live `OrgUnitCoverage` link).
    `unit_field` names the table's unit; rows filed under the subtree itself are
    `key_scope_q`'s `org_path_field` term."""
    q = NOTHING
    for kind, _, path in key:
        if kind == "party_org":
            covered = OrgUnitCoverage.objects.filter(
                party_org__path__startswith=path, until__isnull=True
            ).values("unit_id")
            q |= Q(**{unit_field + "__in": covered})
    return q


def regions_visible_to(user: Viewer, perm: str = "orgs.view_region") -> QuerySet[Region]:
    q = NOTHING
    for grant in grants_with_perm(user, perm):
        if not grant.region_id:
            continue
        region = grant.region
        field = {
            Region.Level.DISTRICT: "district_ref_id",
            Region.Level.STREET: "street_ref_id",
            Region.Level.COMMUNITY: "community_ref_id",
        }.get(region.level)
        q |= Q(pk=region.pk)
        if field:
            q |= Q(**{field: region.pk})
    return Region.objects.filter(q)


def residence_regions_for(user: Viewer, perm: str = "orgs.change_member") -> QuerySet[Region]:
    """Regions a member's residence may name when `user` records the member with `perm`.

    The user's own regions, and for a Party-organization grant (a building or
    enterprise branch admin, who holds no region) every region of that
    organization's district: such a branch's members live all over the
    district, and naming a community reveals nothing about it.
    """
    q = Q(pk__in=regions_visible_to(user, perm).values("pk"))
    for grant in grants_with_perm(user, perm):
        if grant.party_org_id and grant.party_org.district_id:
            q |= Q(district_ref_id=grant.party_org.district_id)
    return Region.objects.filter(q)


def unit_scope_q(user: Viewer, perm: str = "orgs.view_unit") -> Q:
    """The units filter of `units_visible_to`."""
    return key_unit_scope_q(scope_key(user, perm))


def key_unit_scope_q(key: ScopeKey) -> Q:
    """`unit_scope_q` from a `scope_key`, for statements compiled once per scope."""
    return key_scope_q(key, unit_field="pk") | party_org_reach_q(key, "pk")


def units_visible_to(user: Viewer, perm: str = "orgs.view_unit") -> QuerySet[Unit]:
    return Unit.objects.filter(unit_scope_q(user, perm))


def party_orgs_visible_to(user: Viewer, perm: str = "orgs.view_partyorg") -> QuerySet[PartyOrg]:
    q = scope_q(user, perm, org_path_field="path")
    for grant in grants_with_perm(user, perm):
        if grant.unit_id:
            q |= Q(
                pk__in=OrgUnitCoverage.objects.filter(unit_id=grant.unit_id).values("party_org_id")
            )
    return PartyOrg.objects.filter(q)


def members_visible_to(user: Viewer, perm: str = "orgs.view_member") -> QuerySet[Member]:
    return Member.objects.filter(
        scope_q(user, perm, org_path_field="party_org__path", unit_field="workplace_unit_id")
    )


def get_in_scope(
    queryset: QuerySet[M],
    pk: Any,
    *,
    user: Viewer | None = None,
    request: HttpRequest | None = None,
) -> M:
    """Fetch one row through a scoped queryset; 404 (and an audit row) when outside it."""
    try:
        return queryset.get(pk=int(pk))
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_record(
            "access.denied",
            user=user,
            request=request,
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk)[:64],
            result="denied",
            detail={"reason": "not found in scope"},
        )
        raise Http404("未找到该记录，或您无权查看") from None


def get_unit_for_user(
    user: Viewer, pk: Any, perm: str = "orgs.view_unit", request: HttpRequest | None = None
) -> Unit:
    return get_in_scope(units_visible_to(user, perm), pk, user=user, request=request)


def get_party_org_for_user(
    user: Viewer, pk: Any, perm: str = "orgs.view_partyorg", request: HttpRequest | None = None
) -> PartyOrg:
    return get_in_scope(party_orgs_visible_to(user, perm), pk, user=user, request=request)


def get_member_for_user(
    user: Viewer, pk: Any, perm: str = "orgs.view_member", request: HttpRequest | None = None
) -> Member:
    return get_in_scope(members_visible_to(user, perm), pk, user=user, request=request)


def get_region_for_user(
    user: Viewer, pk: Any, perm: str = "orgs.view_region", request: HttpRequest | None = None
) -> Region:
    return get_in_scope(regions_visible_to(user, perm), pk, user=user, request=request)
