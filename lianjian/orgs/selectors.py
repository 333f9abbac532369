"""Reads on the registries: filtered lists, always starting from the scope chokepoint.

Pages, API routes and exports share these filters, so a list means the same
thing everywhere it appears.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from django.db.models import Q, QuerySet

from lianjian.core.actors import Actor, Viewer
from lianjian.core.identifiers import normalize_credit_code, normalize_id_number, normalize_mobile
from lianjian.core.masking import mask
from lianjian.core.paging import COUNT_AHEAD, newest_page
from lianjian.orgs.access import (
    LEVEL_FIELD,
    members_visible_to,
    party_orgs_visible_to,
    regions_visible_to,
    residence_regions_for,
    units_visible_to,
)
from lianjian.orgs.models import Member, PartyOrg, Region, Unit
from lianjian.orgs.services import id_number_index, mobile_index


def _truthy(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    return str(value).lower() in {"1", "true", "yes", "on", "是"}


def _within_region(qs: QuerySet[Any], region_id: Any, prefix: str = "") -> QuerySet[Any]:
    """Narrow to one region's subtree (the caller's scope still applies)."""
    if region_id in (None, ""):
        return qs
    region = Region.objects.filter(pk=region_id).only("level").first()
    if region is None:
        return qs.none()
    return qs.filter(**{prefix + LEVEL_FIELD[Region.Level(region.level)]: region.pk})


def regions_filtered(user: Viewer, params: Mapping[str, Any]) -> QuerySet[Region]:
    qs = regions_visible_to(user)
    if params.get("q"):
        qs = qs.filter(name__icontains=str(params["q"]).strip())
    if params.get("level"):
        qs = qs.filter(level=params["level"])
    if params.get("area_type"):
        qs = qs.filter(area_type=params["area_type"])
    if params.get("parent"):
        parent = Region.objects.filter(pk=params["parent"]).first()
        qs = (
            qs.filter(path__startswith=parent.path, depth=parent.depth + 1) if parent else qs.none()
        )
    active = _truthy(params.get("active"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("path")


def units_filtered(
    user: Viewer, params: Mapping[str, Any], perm: str = "orgs.view_unit"
) -> QuerySet[Unit]:
    qs = units_visible_to(user, perm)
    if params.get("q"):
        text = str(params["q"]).strip()
        qs = qs.filter(Q(name__icontains=text) | Q(credit_code=normalize_credit_code(text)))
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("industry"):
        qs = qs.filter(industry=params["industry"])
    for flag in ("is_above_scale", "is_foreign_invested"):
        value = _truthy(params.get(flag))
        if value is not None:
            qs = qs.filter(**{flag: value})
    active = _truthy(params.get("active", "1"))
    if active is not None:
        qs = qs.filter(is_active=active)
    qs = _within_region(qs, params.get("region"))
    return qs.select_related("region").order_by("-id")


def party_orgs_filtered(
    user: Viewer, params: Mapping[str, Any], perm: str = "orgs.view_partyorg"
) -> QuerySet[PartyOrg]:
    qs = party_orgs_visible_to(user, perm)
    if params.get("q"):
        qs = qs.filter(name__icontains=str(params["q"]).strip())
    for field in ("level", "formation", "org_type"):
        if params.get(field):
            qs = qs.filter(**{field: params[field]})
    active = _truthy(params.get("active", "1"))
    if active is not None:
        qs = qs.filter(is_active=active)
    qs = _within_region(qs, params.get("region"))
    return qs.select_related("region").order_by("path")


_BLIND_TOKEN = re.compile(r"[0-9a-f]{64}")


def member_search_params(text: str) -> dict[str, str]:
    """URL parameters for a member search: exact numbers travel as blind indexes."""
    text = text.strip()
    kind = member_query_kind(text)
    if kind == "id_number":
        return {"qi": id_number_index(text)}
    if kind == "mobile":
        return {"qm": mobile_index(text)}
    return {"q": text} if text else {}


def members_filtered(
    user: Viewer, params: Mapping[str, Any], perm: str = "orgs.view_member"
) -> QuerySet[Member]:
    """Search by name, or exactly by full ID number or mobile through the blind index."""
    qs = members_visible_to(user, perm)
    text = str(params.get("q") or "").strip()
    kind = member_query_kind(text)
    if kind == "id_number":
        qs = qs.filter(id_number_index=id_number_index(text))
    elif kind == "mobile":
        qs = qs.filter(mobile_index=mobile_index(text))
    elif text:
        qs = qs.filter(name__icontains=text)
    # `qi`/`qm` carry a blind index instead of the number, so a search URL never
    # holds a plaintext ID or mobile (web-server access logs keep URLs)
    for param, field in (("qi", "id_number_index"), ("qm", "mobile_index")):
        token = str(params.get(param) or "")
        if token:
            qs = qs.filter(**{field: token}) if _BLIND_TOKEN.fullmatch(token) else qs.none()
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("party_org"):
        qs = qs.filter(party_org_id=params["party_org"])
    if str(params.get("org") or "").isdigit():
        # an organization and everything under it (the tree's member counts)
        path = PartyOrg.objects.filter(pk=params["org"]).values_list("path", flat=True).first()
        qs = qs.filter(party_org__path__startswith=path) if path else qs.none()
    floating = _truthy(params.get("floating"))
    if floating is not None:
        qs = qs.filter(is_floating=floating)
    active = _truthy(params.get("active", "1"))
    if active is not None:
        qs = qs.filter(is_active=active)
    qs = _within_region(qs, params.get("region"))
    # the list is newest first, so "ids below the last one seen" is the next page
    # (keyset paging: as cheap on the thousandth page as on the first)
    before = params.get("before")
    if before not in (None, ""):
        qs = qs.filter(pk__lt=before)
    return qs.select_related("party_org", "workplace_unit", "residence_community").order_by("-id")


# How far past the current page a member list counts: a district admin at city
# scale sees 250k members, and counting them all on every list request cost more
# than the page itself (bench/README.md, "Member list")
MEMBER_COUNT_AHEAD = COUNT_AHEAD


# what a member list row shows (page and API): the wide related rows stay unread
MEMBER_LIST_FIELDS = (
    "id",
    "name",
    "gender",
    "id_number",
    "mobile",
    "joined_on",
    "status",
    "is_floating",
    "floating_to",
    "floating_reason",
    "is_active",
    "party_org__name",
    "workplace_unit__name",
    "residence_community__name",
)


def member_rows(ids: list[int]) -> list[Member]:
    """These members, newest first, with what a list page shows of each."""
    rows = (
        Member.objects.filter(pk__any=ids)
        .select_related("party_org", "workplace_unit", "residence_community")
        .only(*MEMBER_LIST_FIELDS)
        .order_by("-id")
    )
    return list(rows)


def member_list_page(
    qs: QuerySet[Member], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """A newest-first page of members for the API, with the bounded total.

    Two statements: the page's ids with the count (`newest_page`), then those
    members by primary key. Asked for whole rows under a district's scope,
    PostgreSQL walked the primary key backwards and filtered, expecting the
    district's members to be spread evenly; at city scale a district whose
    members are the oldest ids made it read 2.25M rows (bench/README.md). Asked for the
    ids alone, it reads the partial index of live members per ancestor
    (`orgs_mem_*_live_idx`) and nothing else.
    """
    ids, total, capped = newest_page(qs, offset, limit, MEMBER_COUNT_AHEAD)
    return member_items(Member.objects.filter(pk__any=ids).order_by("-id")), total, capped


# a member as the API shows it (`MemberOut`), read as plain values: the list
# row's columns and the related rows' ids
_MEMBER_ITEM_VALUES = (
    *MEMBER_LIST_FIELDS,
    "party_org_id",
    "workplace_unit_id",
    "residence_community_id",
)
_MEMBER_STATUS_LABELS = dict(Member.Status.choices)


def member_items(qs: QuerySet[Member]) -> list[dict[str, Any]]:
    """These members as the API shows them: ID number and mobile masked (S15).

    Plain values, not model instances: a 20-row list built 80 instances (each
    member with three related rows) only to read a few attributes of each.
    """
    items = []
    for row in qs.values(*_MEMBER_ITEM_VALUES):
        item = {name.replace("__", "_"): value for name, value in row.items()}
        item["id_number"] = mask(row["id_number"], "id_number")
        item["mobile"] = mask(row["mobile"], "mobile")
        item["status_display"] = _MEMBER_STATUS_LABELS.get(row["status"], row["status"])
        items.append(item)
    return items


# ---------------------------------------------------------------- choices and summaries for pages


def region_choices(
    user: Viewer, perm: str, levels: tuple[str, ...] | None = None
) -> QuerySet[Region]:
    """Active regions where `user` may place a record with `perm` (form choices)."""
    qs = regions_visible_to(user, perm).filter(is_active=True)
    if levels:
        qs = qs.filter(level__in=levels)
    return qs.order_by("path")


def residence_community_choices(user: Viewer, perm: str) -> QuerySet[Region]:
    """Active communities a member recorded with `perm` may live in (form choices)."""
    return (
        residence_regions_for(user, perm)
        .filter(is_active=True, level=Region.Level.COMMUNITY)
        .order_by("path")
    )


def unit_choices(user: Viewer, perm: str) -> QuerySet[Unit]:
    # a district offers thousands of units: load only what an <option> shows
    return (
        units_visible_to(user, perm)
        .filter(is_active=True)
        .only("id", "name")
        .order_by("name", "id")
    )


def party_org_choices(user: Viewer, perm: str, *, parents_only: bool = False) -> QuerySet[PartyOrg]:
    qs = party_orgs_visible_to(user, perm).filter(is_active=True)
    if parents_only:
        # a Party group (党小组) has no sub-organizations
        qs = qs.exclude(level=PartyOrg.Level.GROUP)
    return qs.order_by("path")


def region_summary(user: Viewer, region: Region) -> dict[str, int]:
    """Active units, organizations and members inside `region` that `user` may see."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    inside = {field: region.pk, "is_active": True}
    return {
        "units": units_visible_to(user).filter(**inside).count(),
        "party_orgs": party_orgs_visible_to(user).filter(**inside).count(),
        "members": members_visible_to(user).filter(**inside).count(),
    }


def party_org_children(user: Viewer, org: PartyOrg) -> QuerySet[PartyOrg]:
    return (
        party_orgs_visible_to(user)
        .filter(path__startswith=org.path, depth=org.depth + 1)
        .select_related("region")
        .order_by("path")
    )


def party_org_ancestors(org: PartyOrg) -> list[PartyOrg]:
    """The path from the root down to `org`'s parent, shown as breadcrumbs.

    Names only: seeing where an organization sits is not access to its parents.
    """
    paths = [org.path[: i * PartyOrg.steplen] for i in range(1, org.depth)]
    return list(PartyOrg.objects.filter(path__in=paths).only("id", "name", "path").order_by("path"))


def region_ancestors(region: Region) -> list[Region]:
    paths = [region.path[: i * Region.steplen] for i in range(1, region.depth)]
    return list(Region.objects.filter(path__in=paths).only("id", "name", "path").order_by("path"))


# member searches per user and client per window (S22): the page and the API share it
MEMBER_SEARCH_RATE = (60, 60)
# unit searches likewise; unmasking (full ID number and mobile, S9) per user per hour
UNIT_SEARCH_RATE = (60, 60)
UNMASK_RATE = (30, 3600)


_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_SHAPE = re.compile(r"[0-9]{11}")


def member_query_kind(text: str) -> Literal["id_number", "mobile"] | None:
    """Which exact lookup `members_filtered` makes for a search text, if any: the text
    as `lianjian.core.identifiers` normalizes it (full-width, spaced or hyphenated
    numbers are numbers), in ASCII digits only."""
    if _ID_SHAPE.fullmatch(normalize_id_number(text)):
        return "id_number"
    if _MOBILE_SHAPE.fullmatch(normalize_mobile(text)):
        return "mobile"
    return None


def member_record_of(user: Viewer) -> Member | None:
    """The member record linked to this account (their own record, shown to them)."""
    if not user.is_authenticated or user.pk is None:
        return None
    return (
        Member.objects.filter(user_id=user.pk, is_active=True)
        .select_related("party_org", "workplace_unit", "residence_community")
        .first()
    )


def member_mobile_of(user: Actor) -> str:
    """The mobile on the member record linked to this account, for SMS (`core.user_mobile`)."""
    member = Member.objects.filter(user_id=user.pk, is_active=True).only("mobile").first()
    return member.mobile if member and member.mobile else ""
