"""Coverage statistics (组织覆盖, 工作覆盖) for any region subtree on any date.

Everything is computed from registry history, so a report "as of" a past date
counts what existed then: units by `registered_on`/`deregistered_on`, links
by `OrgUnitCoverage.since`/`until`, organizations by `founded_on`/
`dissolved_on`, members by `joined_on`. Each figure is one named filter on
the same annotated unit queryset, so a figure and the list behind it
(drill-down) can never disagree. Scope: `orgs.view_coverage` through the
chokepoint in `orgs/access.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from lianjian.orgs.access import (
    LEVEL_FIELD,
    get_region_for_user,
    members_visible_to,
    units_visible_to,
)
from lianjian.orgs.models import (
    LIANGXIN_KINDS,
    Member,
    OrgUnitCoverage,
    PartyOrg,
    Region,
    Unit,
    UnitKind,
)

PERM = "orgs.view_coverage"
VIOLATION_MIN_MEMBERS = 3  # 3+ members must form an independent organization (seed 002)

LX = Q(kind__in=LIANGXIN_KINDS)
NO_MEMBERS = Q(has_member=False)

# figure key → (label, filter on the annotated unit queryset)
FIGURES: dict[str, tuple[str, Q]] = {
    "liangxin": ("两新组织", LX),
    "liangxin_covered": ("已建党组织覆盖的两新组织", LX & Q(covered=True)),
    "liangxin_uncovered": ("未实现组织覆盖的两新组织", LX & Q(covered=False)),
    "excluded_individual": ("个体工商户（不计入两新组织）", Q(kind=UnitKind.INDIVIDUAL_BUSINESS)),
    "excluded_team": ("社区活动团队（不计入两新组织）", Q(kind=UnitKind.COMMUNITY_TEAM)),
    "above_scale": ("规模以上两新组织", LX & Q(is_above_scale=True)),
    "above_scale_covered": ("已覆盖的规模以上两新组织", LX & Q(is_above_scale=True, covered=True)),
    "above_scale_uncovered": (
        "未覆盖的规模以上两新组织",
        LX & Q(is_above_scale=True, covered=False),
    ),
    "no_member": ("无党员的两新组织", LX & NO_MEMBERS),
    "work_covered": (
        "无党员、已实现工作覆盖（派驻党建指导员/联络员或纳入联合党组织）",
        LX & NO_MEMBERS & (~Q(liaison_name="") | Q(covered=True)),
    ),
    "work_uncovered": (
        "无党员、尚未实现工作覆盖",
        LX & NO_MEMBERS & Q(liaison_name="", covered=False),
    ),
    "violations": (
        f"党员{VIOLATION_MIN_MEMBERS}人以上未单独建立党组织",
        Q(has_min_members=True, independent=False),
    ),
    "members_no_org": ("有党员但无党组织覆盖", Q(has_member=True, covered=False)),
}
FORMATION_FIGURES = {f"formation_{f}": f for f in PartyOrg.Formation.values}

# The same figures as predicates over one row of `tally`: the report counts in Python
# over a few dozen (kind, flags) groups, so each EXISTS runs once per unit instead of
# once per figure; `FIGURES` stays the filter for drill-down lists, and a test checks
# that every figure equals the length of its list.
_LXK = {str(k) for k in LIANGXIN_KINDS}
Pred = Callable[[dict[str, Any]], bool]


def _lx(r: dict[str, Any]) -> bool:
    return r["kind"] in _LXK


PREDICATES: dict[str, Pred] = {
    "liangxin": _lx,
    "liangxin_covered": lambda r: _lx(r) and r["covered"],
    "liangxin_uncovered": lambda r: _lx(r) and not r["covered"],
    "excluded_individual": lambda r: r["kind"] == UnitKind.INDIVIDUAL_BUSINESS,
    "excluded_team": lambda r: r["kind"] == UnitKind.COMMUNITY_TEAM,
    "above_scale": lambda r: _lx(r) and r["is_above_scale"],
    "above_scale_covered": lambda r: _lx(r) and r["is_above_scale"] and r["covered"],
    "above_scale_uncovered": lambda r: _lx(r) and r["is_above_scale"] and not r["covered"],
    "no_member": lambda r: _lx(r) and not r["has_member"],
    "work_covered": lambda r: _lx(r) and not r["has_member"] and (r["has_liaison"] or r["covered"]),
    "work_uncovered": lambda r: (
        _lx(r) and not r["has_member"] and not r["has_liaison"] and not r["covered"]
    ),
    "violations": lambda r: r["has_min_members"] and not r["independent"],
    "members_no_org": lambda r: r["has_member"] and not r["covered"],
}
FLAGS = (
    "kind",
    "is_above_scale",
    "has_liaison",
    "covered",
    "independent",
    "has_member",
    "has_min_members",
)

BREAKDOWNS = {
    "street": "街道",
    "community": "社区",
    "area_type": "区域类型",
    "industry": "行业",
    "formation": "组建方式",
}


def _alive(as_of: dt.date, since: str, until: str) -> Q:
    return (Q(**{f"{since}__isnull": True}) | Q(**{f"{since}__lte": as_of})) & (
        Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": as_of})
    )


def member_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members on the roll on `as_of` (members carry no leave date; inactive ones are gone)."""
    return Q(**{prefix + "is_active": True}) & (
        Q(**{prefix + "joined_on__isnull": True}) | Q(**{prefix + "joined_on__lte": as_of})
    )


def _links_alive(as_of: dt.date, **extra: Any) -> QuerySet[OrgUnitCoverage]:
    return OrgUnitCoverage.objects.filter(
        _alive(as_of, "since", "until"),
        _alive(as_of, "party_org__founded_on", "party_org__dissolved_on"),
        **extra,
    )


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def annotate_units(
    qs: QuerySet[Unit], as_of: dt.date, within: dict[str, Any] | None = None
) -> QuerySet[Unit]:
    """Units alive on `as_of` with the annotations every figure filters on.

    Each flag is `id IN (uncorrelated subquery)`, which PostgreSQL hashes once per
    query; a correlated EXISTS would run once per unit (measured 5x slower on the
    district dataset). `within` narrows the member subqueries to a street's or
    community's units (see `_member_within`); the covering index
    `orgs_mem_workplace_live_idx` answers them without touching the wide member
    rows. Coverage links are few (a fraction of the units), so hashing all live
    links is cheaper than joining them to the subtree's units (measured 92 → 75 ms
    for the district figures).
    """
    within = within or {}
    workers = {f"workplace_unit__{k}": v for k, v in within.items()}
    members = Member.objects.filter(member_q(as_of), workplace_unit__isnull=False, **workers)
    crowded = (
        members.order_by()
        .values("workplace_unit_id")
        .annotate(c=Count("workplace_unit_id"))  # answerable from the covering index
        .filter(c__gte=VIOLATION_MIN_MEMBERS)
        .values("workplace_unit_id")
    )
    return qs.filter(_alive(as_of, "registered_on", "deregistered_on")).annotate(
        covered=_flag(Q(pk__in=_links_alive(as_of).values("unit_id"))),
        independent=_flag(
            Q(
                pk__in=_links_alive(as_of, party_org__formation=PartyOrg.Formation.SINGLE).values(
                    "unit_id"
                )
            )
        ),
        has_member=_flag(Q(pk__in=members.values("workplace_unit_id"))),
        has_min_members=_flag(Q(pk__in=crowded)),
    )


def _member_within(region: Region) -> dict[str, Any]:
    """How far to narrow the member subqueries for a report on `region`.

    Narrowed, the subqueries join members to the subtree's units. That join is
    what keeps them small enough for PostgreSQL to hash (a subquery hashes only
    while it fits in work_mem: over a city's 1.4M working members it fell back
    to a scan per unit and a district report ran for minutes). The one case it
    is pure cost is a district that is the whole dataset: there it filters
    nothing and took 33–42 ms against 10 ms over the covering index.
    """
    if (
        region.level == Region.Level.DISTRICT
        and not Region.objects.filter(level=Region.Level.DISTRICT).exclude(pk=region.pk).exists()
    ):
        return {}
    return {LEVEL_FIELD[Region.Level(region.level)]: region.pk}


def annotated_units(user: Any, region: Region, as_of: dt.date) -> QuerySet[Unit]:
    """`annotate_units` over `region`'s subtree within the user's scope."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return annotate_units(
        units_visible_to(user, PERM).filter(**within), as_of, _member_within(region)
    )


def subtree_units(user: Any, region: Region, as_of: dt.date) -> QuerySet[Unit]:
    """Units of `region`'s subtree in the user's scope alive on `as_of`, without flags."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return units_visible_to(user, PERM).filter(
        _alive(as_of, "registered_on", "deregistered_on"), **within
    )


def region_figures(region: Region, as_of: dt.date) -> dict[str, int]:
    """Figures for a whole subtree with no user scope: demo builder and benchmarks only."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    units = Unit.objects.filter(**{field: region.pk})
    return count_figures(tally(annotate_units(units, as_of, _member_within(region))))


def tally(qs: QuerySet[Unit], *extra: str) -> list[dict[str, Any]]:
    """Unit counts grouped by kind and every flag (plus `extra` columns): one query."""
    return list(
        qs.annotate(has_liaison=ExpressionWrapper(~Q(liaison_name=""), output_field=BooleanField()))
        .order_by()
        .values(*FLAGS, *extra)
        .annotate(n=Count("pk"))
    )


def count_figures(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Every figure from `tally` rows; rows are first merged by their flags (a few dozen)."""
    merged: dict[tuple[Any, ...], int] = {}
    for r in rows:
        flags = tuple(r[f] for f in FLAGS)
        merged[flags] = merged.get(flags, 0) + r["n"]
    flat = [{**dict(zip(FLAGS, flags, strict=True)), "n": n} for flags, n in merged.items()]
    return {key: sum(r["n"] for r in flat if test(r)) for key, test in PREDICATES.items()}


def _formation_annotations(as_of: dt.date) -> dict[str, Any]:
    return {
        key: _flag(Q(pk__in=_links_alive(as_of, party_org__formation=formation).values("unit_id")))
        for key, formation in FORMATION_FIGURES.items()
    }


def rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


@dataclass
class Row:
    key: str
    label: str
    liangxin: int
    covered: int
    above_scale: int
    above_scale_covered: int
    violations: int

    @property
    def rate(self) -> float | None:
        return rate(self.covered, self.liangxin)


BREAKDOWN_VALUES = (
    "liangxin",
    "liangxin_covered",
    "above_scale",
    "above_scale_covered",
    "violations",
)


def _group_counts(rows: list[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    """The breakdown values per `group` value, in one pass over `tally` rows.

    The predicates run once per distinct flag combination, not once per row (the
    district report's tally has ~17k rows but ~80 combinations).
    """
    hits_of: dict[tuple[Any, ...], tuple[bool, ...]] = {}
    acc: dict[Any, list[int]] = {}
    for r in rows:
        flags = tuple(r[f] for f in FLAGS)
        hits = hits_of.get(flags)
        if hits is None:
            hits = hits_of[flags] = tuple(PREDICATES[k](r) for k in BREAKDOWN_VALUES)
        sums = acc.setdefault(r[group], [0] * len(BREAKDOWN_VALUES))
        n = r["n"]
        for i, hit in enumerate(hits):
            if hit:
                sums[i] += n
    return [
        {
            group: key,
            "liangxin": sums[0],
            "covered": sums[1],
            "above_scale": sums[2],
            "above_scale_covered": sums[3],
            "violations": sums[4],
        }
        for key, sums in acc.items()
    ]


GROUP_COLUMNS = ("street_id", "community_id", "region__area_type", "industry")


def _rows(groups: list[dict[str, Any]], group: str, labels: dict[Any, str]) -> list[Row]:
    rows = [
        Row(
            key=str(g[group] if g[group] is not None else ""),
            label=labels.get(g[group], str(g[group] or "（未填写）")),
            liangxin=g["liangxin"],
            covered=g["covered"],
            above_scale=g["above_scale"],
            above_scale_covered=g["above_scale_covered"],
            violations=g["violations"],
        )
        for g in groups
    ]
    return sorted(rows, key=lambda r: (-r.liangxin, r.label))


def breakdown(
    user: Any,
    region: Region,
    as_of: dt.date,
    by: str,
    rows: list[dict[str, Any]] | None = None,
) -> list[Row]:
    """One breakdown; `rows` is a `tally` over GROUP_COLUMNS shared by the whole report."""
    if rows is None and by != "formation":
        rows = tally(annotated_units(user, region, as_of), *GROUP_COLUMNS)
    if by in ("street", "community"):
        groups = [g for g in _group_counts(rows or [], f"{by}_id") if g[f"{by}_id"] is not None]
        names = dict(
            Region.objects.filter(pk__in=[g[f"{by}_id"] for g in groups]).values_list("pk", "name")
        )
        return _rows(groups, f"{by}_id", names)
    if by == "area_type":
        return _rows(
            _group_counts(rows or [], "region__area_type"),
            "region__area_type",
            dict(Region.AreaType.choices),
        )
    if by == "industry":
        return _rows(_group_counts(rows or [], "industry"), "industry", {"": "（未填写）"})[:30]
    if by == "formation":
        # only covered two-new units can count here, and no member flag is needed:
        # a lean query over the subtree's units instead of another full tally
        rows = list(
            subtree_units(user, region, as_of)
            .filter(LX, pk__in=_links_alive(as_of).values("unit_id"))
            .annotate(**_formation_annotations(as_of))
            .order_by()
            .values("is_above_scale", *FORMATION_FIGURES)
            .annotate(n=Count("pk"))
        )
        result = []
        for key, formation in FORMATION_FIGURES.items():
            mine = [r for r in rows if r[key]]
            n = sum(r["n"] for r in mine)
            above = sum(r["n"] for r in mine if r["is_above_scale"])
            result.append(
                Row(
                    key=formation,
                    label=PartyOrg.Formation(formation).label,
                    liangxin=n,
                    covered=n,
                    above_scale=above,
                    above_scale_covered=above,
                    violations=0,
                )
            )
        return result
    raise ValueError(f"unknown breakdown {by}")


def figures(user: Any, region: Region, as_of: dt.date) -> dict[str, int]:
    """Every figure of the report from one grouped query."""
    return count_figures(tally(annotated_units(user, region, as_of)))


def floating_members(user: Any, region: Region, as_of: dt.date) -> dict[str, Any]:
    """Floating members (流动党员) of the subtree, grouped by where they are."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    qs = members_visible_to(user, PERM).filter(
        member_q(as_of), is_floating=True, **{field: region.pk}
    )
    by_place = list(
        qs.order_by()
        .values("floating_to")
        .annotate(n=Count("pk"))
        .order_by("-n", "floating_to")[:20]
    )
    return {
        "total": sum(p["n"] for p in by_place) if len(by_place) < 20 else qs.count(),
        "by_place": [
            {"place": p["floating_to"] or "（未填写）", "count": p["n"]} for p in by_place
        ],
    }


def coverage_report(
    user: Any, region: Region, as_of: dt.date, *, with_breakdowns: bool = True
) -> dict[str, Any]:
    """The report as plain data: pages, the API and the Excel export all render this."""
    # one grouped query feeds the figures and the street/community/area/industry breakdowns
    rows = tally(annotated_units(user, region, as_of), *GROUP_COLUMNS) if with_breakdowns else None
    counts = count_figures(rows) if rows is not None else figures(user, region, as_of)
    report: dict[str, Any] = {
        "region": {"id": region.pk, "name": region.name, "level": region.level},
        "as_of": as_of.isoformat(),
        "figures": {
            key: {"label": label, "count": counts[key]} for key, (label, _) in FIGURES.items()
        },
        "rates": {
            "organization_coverage": rate(counts["liangxin_covered"], counts["liangxin"]),
            "above_scale_coverage": rate(counts["above_scale_covered"], counts["above_scale"]),
            "work_coverage": rate(counts["work_covered"], counts["no_member"]),
        },
        "floating_members": floating_members(user, region, as_of),
    }
    if with_breakdowns:
        report["breakdowns"] = {
            by: [
                {
                    "key": r.key,
                    "label": r.label,
                    "liangxin": r.liangxin,
                    "covered": r.covered,
                    "rate": r.rate,
                    "above_scale": r.above_scale,
                    "above_scale_covered": r.above_scale_covered,
                    "violations": r.violations,
                }
                for r in breakdown(user, region, as_of, by, rows)
            ]
            for by in BREAKDOWNS
            if not (by == "street" and region.level != Region.Level.DISTRICT)
            and not (
                by == "community"
                and region.level not in (Region.Level.DISTRICT, Region.Level.STREET)
            )
        }
    return report


def figure_units(
    user: Any,
    region: Region,
    as_of: dt.date,
    figure: str,
    by: str = "",
    key: str = "",
) -> QuerySet[Unit]:
    """The units behind one figure (optionally one breakdown row): the drill-down list."""
    qs = annotated_units(user, region, as_of)
    if figure in FORMATION_FIGURES:
        qs = qs.annotate(**_formation_annotations(as_of)).filter(LX, **{figure: True})
    elif figure in FIGURES:
        qs = qs.filter(FIGURES[figure][1])
    else:
        return qs.none()
    if by in ("street", "community"):
        qs = qs.filter(**{f"{by}_id": key}) if key.isdigit() else qs.none()
    elif by == "area_type":
        qs = qs.filter(region__area_type=key)
    elif by == "industry":
        qs = qs.filter(industry=key)
    elif by == "formation":
        qs = (
            qs.annotate(**_formation_annotations(as_of)).filter(**{f"formation_{key}": True})
            if key in PartyOrg.Formation.values
            else qs.none()
        )
    member_count = (
        Member.objects.filter(member_q(as_of), workplace_unit=OuterRef("pk"))
        .order_by()
        .values("workplace_unit")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return (
        qs.annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0))
        )
        .select_related("region")
        .order_by("name", "pk")
    )


def figure_label(figure: str) -> str:
    if figure in FORMATION_FIGURES:
        return f"{PartyOrg.Formation(FORMATION_FIGURES[figure]).label}党组织覆盖的两新组织"
    return FIGURES[figure][0] if figure in FIGURES else ""


def month_ends(as_of: dt.date, months: int = 12) -> list[dt.date]:
    ends = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, as_of))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def coverage_trend(
    user: Any, region: Region, as_of: dt.date, months: int = 12
) -> list[dict[str, Any]]:
    """Organization coverage at each month end (the last point is `as_of` itself).

    One scan of the subtree's two-new units grouped by an alive and a covered flag
    per month, with the same tests as the figures; as select-list flags the link
    subqueries are hashed once each (inside aggregate FILTERs PostgreSQL rescans
    them per row; 12 separate tallies took ~1 s for the district).
    """
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    days = month_ends(as_of, months)
    flags: dict[str, Any] = {}
    for i, day in enumerate(days):
        flags[f"a{i}"] = _flag(_alive(day, "registered_on", "deregistered_on"))
        flags[f"c{i}"] = _flag(Q(pk__in=_links_alive(day).values("unit_id")))
    rows = list(
        units_visible_to(user, PERM)
        .filter(LX, **within)
        .annotate(**flags)
        .order_by()
        .values(*flags)
        .annotate(n=Count("pk"))
    )
    points = []
    for i, day in enumerate(days):
        alive = [r for r in rows if r[f"a{i}"]]
        liangxin = sum(r["n"] for r in alive)
        covered = sum(r["n"] for r in alive if r[f"c{i}"])
        points.append(
            {
                "date": day.isoformat(),
                "liangxin": liangxin,
                "covered": covered,
                "rate": rate(covered, liangxin),
            }
        )
    return points


def default_region(user: Any) -> Region | None:
    """The widest region the user may report on (first granted, highest level first)."""
    from lianjian.accounts.permissions import grants_with_perm

    regions = [g.region for g in grants_with_perm(user, PERM) if g.region_id]
    order = {Region.Level.DISTRICT: 0, Region.Level.STREET: 1, Region.Level.COMMUNITY: 2}
    regions.sort(key=lambda r: (order.get(r.level, 3), r.pk))
    return regions[0] if regions else None


def region_for(user: Any, region_id: Any, request: Any = None) -> Region:
    """The requested region if in scope (404 and an audit row otherwise), else the default."""
    if region_id in (None, ""):
        region = default_region(user)
        if region is None:
            from django.http import Http404

            raise Http404("没有可统计的区域")
        return region
    return get_region_for_user(user, region_id, perm=PERM, request=request)


def parse_as_of(value: Any) -> dt.date:
    """`YYYY-MM-DD` or today; a malformed date raises ValueError with a Chinese message."""
    if value in (None, ""):
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError("统计日期格式应为 YYYY-MM-DD") from exc


def regions_to_pick(user: Any) -> list[Region]:
    """Regions offered in the report's region selector (districts, streets, communities, areas)."""
    from lianjian.orgs.access import regions_visible_to

    return list(regions_visible_to(user, PERM).filter(is_active=True).order_by("path")[:500])
