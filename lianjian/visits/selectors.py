"""Reads on visits: filtered lists, visit coverage, and the cross-appointment roll-up.

Everything starts from the scope chokepoint (`lianjian.visits.access` and
`lianjian.orgs.access`), so pages, API and reports mean the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from lianjian.core.periods import parse_day
from lianjian.core.rates import percent
from lianjian.orgs.access import LEVEL_FIELD, party_orgs_visible_to, units_visible_to
from lianjian.orgs.models import LIANGXIN_KINDS, PartyOrg, Region, Unit
from lianjian.visits.access import cadres_visible_to, posts_visible_to, visits_visible_to
from lianjian.visits.models import Cadre, CadrePost, Visit, VisitNeed

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def _within_region(qs: QuerySet[Any], region: Region | None) -> QuerySet[Any]:
    if region is None:
        return qs
    return qs.filter(**{LEVEL_FIELD[Region.Level(region.level)]: region.pk})


def visits_filtered(user: User, params: Mapping[str, Any]) -> QuerySet[Visit]:
    qs = visits_visible_to(user)
    if params.get("q"):
        text = str(params["q"]).strip()
        qs = qs.filter(Q(unit__name__icontains=text) | Q(visitors__icontains=text))
    start = parse_day(params.get("start"), "开始日期")
    end = parse_day(params.get("end"), "结束日期")
    if start:
        qs = qs.filter(visited_on__gte=start)
    if end:
        qs = qs.filter(visited_on__lte=end)
    if params.get("follow_up_status"):
        qs = qs.filter(follow_up_status=params["follow_up_status"])
    if params.get("unit"):
        qs = qs.filter(unit_id=params["unit"])
    if params.get("cadre"):
        qs = qs.filter(cadre_id=params["cadre"])
    if params.get("region"):
        region = Region.objects.filter(pk=params["region"]).only("level").first()
        qs = _within_region(qs, region) if region else qs.none()
    return qs.select_related("unit", "cadre", "party_org").order_by("-visited_on", "-id")


# ---------------------------------------------------------------- coverage


@dataclass
class CoverageRow:
    region_id: int | None
    name: str
    units: int
    visited: int

    @property
    def rate(self) -> float | None:
        return percent(self.visited, self.units)


@dataclass
class Coverage:
    start: dt.date
    end: dt.date
    units: int
    visited: int
    visits: int
    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return percent(self.visited, self.units)


def visit_coverage(
    user: User,
    start: dt.date,
    end: dt.date,
    *,
    region: Region | None = None,
    group: str = "street",
) -> Coverage:
    """Visited 两新 units / all active 两新 units in scope, over [start, end].

    A unit counts as visited when any visit to it falls in the period, whoever
    recorded it; the denominator is what the user may see. `visits` counts
    the visits in the period to units in scope (of any kind).
    """
    if group not in ("street", "community"):
        raise ValueError("分组方式应为 street 或 community")
    units = _within_region(
        units_visible_to(user, "visits.view").filter(kind__in=LIANGXIN_KINDS, is_active=True),
        region,
    )
    in_period = Visit.objects.filter(
        unit_id=OuterRef("pk"), visited_on__gte=start, visited_on__lte=end
    )
    grouped = (
        units.annotate(was_visited=Exists(in_period))
        .values(f"{group}_id")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(was_visited=True)))
        .order_by(f"{group}_id")
    )
    counts = list(grouped)
    names = dict(
        Region.objects.filter(pk__in=[c[f"{group}_id"] for c in counts]).values_list("pk", "name")
    )
    rows = [
        CoverageRow(
            c[f"{group}_id"], names.get(c[f"{group}_id"], "（未定位）"), c["total"], c["visited"]
        )
        for c in counts
    ]
    rows.sort(key=lambda r: r.name)
    visits = _within_region(
        Visit.objects.filter(
            unit_id__in=units_visible_to(user, "visits.view").values("pk"),
            visited_on__gte=start,
            visited_on__lte=end,
        ),
        region,
    ).count()
    return Coverage(
        start=start,
        end=end,
        units=sum(r.units for r in rows),
        visited=sum(r.visited for r in rows),
        visits=visits,
        rows=rows,
    )


# ---------------------------------------------------------------- cross-appointment


def org_kind(org: PartyOrg) -> str:
    """ "building" for building Party orgs, "residential" for residential ones, else "other"."""
    region = org.region
    if (
        org.org_type == PartyOrg.OrgType.BUILDING_JOINT
        or region.area_type == Region.AreaType.BUILDING
    ):
        return "building"
    if region.area_type == Region.AreaType.RESIDENTIAL and region.level in (
        Region.Level.COMMUNITY,
        Region.Level.AREA,
    ):
        return "residential"
    return "other"


def _overlaps(post: CadrePost, start: dt.date, end: dt.date) -> bool:
    return post.since <= end and (post.until is None or post.until >= start)


def _held_on(post: CadrePost, day: dt.date) -> bool:
    return post.since <= day and (post.until is None or post.until >= day)


@dataclass
class CadreRow:
    cadre: Cadre
    posts: list[CadrePost]
    cross_appointed: bool
    visits: int = 0
    needs: int = 0


@dataclass
class OrgRow:
    party_org: PartyOrg
    kind: str
    visits: int = 0
    needs: int = 0
    via_cadres: int = 0  # of `visits`, those counted through a cadre's post


@dataclass
class CrossAppointment:
    start: dt.date
    end: dt.date
    cadres: list[CadreRow]
    orgs: list[OrgRow]


def cross_appointment_report(
    user: User, start: dt.date, end: dt.date, *, only_cross: bool = False
) -> CrossAppointment:
    """Cadres in scope with their posts, and visits/needs rolled up to every org they serve.

    A visit counts for the organization named on it and for every organization
    in which its cadre held a post on the visit day — so a cross-appointed
    cadre's visit counts for both the residential and the building org, once
    each. Needs raised from a visit follow the visit. Only organizations in
    the user's scope are listed.
    """
    posts = list(
        posts_visible_to(user).select_related("party_org__region", "cadre").order_by("since", "pk")
    )
    all_posts: dict[int, list[CadrePost]] = defaultdict(list)
    cadre_ids = {p.cadre_id for p in posts}
    for post in (
        CadrePost.objects.filter(cadre_id__in=cadre_ids)
        .select_related("party_org__region")
        .order_by("since", "pk")
    ):
        all_posts[post.cadre_id].append(post)

    visits = list(
        visits_visible_to(user)
        .filter(visited_on__gte=start, visited_on__lte=end)
        .filter(Q(cadre_id__in=cadre_ids) | Q(party_org__isnull=False))
        .values_list("pk", "cadre_id", "party_org_id", "visited_on")
    )
    need_counts = dict(
        VisitNeed.objects.filter(visit_id__in=[v[0] for v in visits])
        .values("visit_id")
        .annotate(n=Count("pk"))
        .values_list("visit_id", "n")
    )
    orgs: dict[int, OrgRow] = {}
    cadre_visits: dict[int, int] = defaultdict(int)
    cadre_needs: dict[int, int] = defaultdict(int)

    def org_row(org: PartyOrg) -> OrgRow:
        if org.pk not in orgs:
            orgs[org.pk] = OrgRow(org, org_kind(org))
        return orgs[org.pk]

    for post in posts:
        if _overlaps(post, start, end):
            org_row(post.party_org)
    named_orgs = {
        o.pk: o
        for o in PartyOrg.objects.filter(pk__in={v[2] for v in visits if v[2]}).select_related(
            "region"
        )
    }
    for visit_id, cadre_id, party_org_id, day in visits:
        needs = need_counts.get(visit_id, 0)
        counted: set[int] = set()
        if party_org_id and party_org_id in named_orgs:
            counted.add(party_org_id)
            row = org_row(named_orgs[party_org_id])
            row.visits += 1
            row.needs += needs
        if cadre_id:
            cadre_visits[cadre_id] += 1
            cadre_needs[cadre_id] += needs
            for post in all_posts.get(cadre_id, []):
                if post.party_org_id in counted or not _held_on(post, day):
                    continue
                counted.add(post.party_org_id)
                row = org_row(post.party_org)
                row.visits += 1
                row.via_cadres += 1
                row.needs += needs
    cadre_rows = []
    for cadre_id, cadre_posts in all_posts.items():
        current = [p for p in cadre_posts if _overlaps(p, start, end)]
        kinds = {org_kind(p.party_org) for p in current}
        cross = {"residential", "building"} <= kinds
        if only_cross and not cross:
            continue
        cadre_rows.append(
            CadreRow(
                cadre=cadre_posts[0].cadre,
                posts=cadre_posts,
                cross_appointed=cross,
                visits=cadre_visits.get(cadre_id, 0),
                needs=cadre_needs.get(cadre_id, 0),
            )
        )
    cadre_rows.sort(key=lambda r: (not r.cross_appointed, r.cadre.name, r.cadre.pk))
    visible_org_ids = set(
        party_orgs_visible_to(user, "visits.view")
        .filter(pk__in=list(orgs))
        .values_list("pk", flat=True)
    )
    org_rows = sorted(
        (r for r in orgs.values() if r.party_org.pk in visible_org_ids),
        key=lambda r: (r.kind, r.party_org.name),
    )
    return CrossAppointment(start, end, cadre_rows, org_rows)


def cadre_detail_posts(cadre: Cadre) -> QuerySet[CadrePost]:
    return cadre.posts.select_related("party_org__region").order_by("since", "pk")


def cadres_filtered(user: User, params: Mapping[str, Any]) -> QuerySet[Cadre]:
    qs = cadres_visible_to(user)
    if params.get("q"):
        qs = qs.filter(name__icontains=str(params["q"]).strip())
    return qs.order_by("name", "pk")


def unit_choices_for_record(user: User) -> QuerySet[Unit]:
    return units_visible_to(user, "visits.record").filter(is_active=True)
