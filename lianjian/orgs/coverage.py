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
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
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


def _links(as_of: dt.date, **extra: Any) -> QuerySet[OrgUnitCoverage]:
    return OrgUnitCoverage.objects.filter(
        _alive(as_of, "since", "until"),
        _alive(as_of, "party_org__founded_on", "party_org__dissolved_on"),
        unit=OuterRef("pk"),
        **extra,
    )


def member_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members on the roll on `as_of` (members carry no leave date; inactive ones are gone)."""
    return Q(**{prefix + "is_active": True}) & (
        Q(**{prefix + "joined_on__isnull": True}) | Q(**{prefix + "joined_on__lte": as_of})
    )


def annotate_units(qs: QuerySet[Unit], as_of: dt.date) -> QuerySet[Unit]:
    """Units alive on `as_of` with the annotations every figure filters on."""
    members = Member.objects.filter(member_q(as_of), workplace_unit=OuterRef("pk"))
    return qs.filter(_alive(as_of, "registered_on", "deregistered_on")).annotate(
        covered=Exists(_links(as_of)),
        independent=Exists(_links(as_of, party_org__formation=PartyOrg.Formation.SINGLE)),
        has_member=Exists(members),
        # "is there an Nth member": stops at the Nth index entry instead of counting all
        has_min_members=Exists(
            members.order_by()[VIOLATION_MIN_MEMBERS - 1 : VIOLATION_MIN_MEMBERS]
        ),
    )


def annotated_units(user: Any, region: Region, as_of: dt.date) -> QuerySet[Unit]:
    """`annotate_units` over `region`'s subtree within the user's scope."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    return annotate_units(units_visible_to(user, PERM).filter(**{field: region.pk}), as_of)


def region_figures(region: Region, as_of: dt.date) -> dict[str, int]:
    """Figures for a whole subtree with no user scope: demo builder and benchmarks only."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    qs = annotate_units(Unit.objects.filter(**{field: region.pk}), as_of)
    return qs.aggregate(**{key: Count("pk", filter=q) for key, (_, q) in FIGURES.items()})


def _formation_annotations(as_of: dt.date) -> dict[str, Any]:
    return {
        key: Exists(_links(as_of, party_org__formation=formation))
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


def _group_counts(qs: QuerySet[Unit], group: str) -> list[dict[str, Any]]:
    # output names must differ from the annotations the filters use ("covered")
    keys = ("liangxin", "covered", "above_scale", "above_scale_covered", "violations")
    figure_of = dict(
        zip(
            keys,
            ("liangxin", "liangxin_covered", "above_scale", "above_scale_covered", "violations"),
            strict=True,
        )
    )
    rows = (
        qs.order_by()
        .values(group)
        .annotate(**{f"n_{k}": Count("pk", filter=FIGURES[figure_of[k]][1]) for k in keys})
    )
    return [{group: r[group], **{k: r[f"n_{k}"] for k in keys}} for r in rows]


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


def breakdown(user: Any, region: Region, as_of: dt.date, by: str) -> list[Row]:
    qs = annotated_units(user, region, as_of)
    if by in ("street", "community"):
        groups = [g for g in _group_counts(qs, f"{by}_id") if g[f"{by}_id"] is not None]
        names = dict(
            Region.objects.filter(pk__in=[g[f"{by}_id"] for g in groups]).values_list("pk", "name")
        )
        return _rows(groups, f"{by}_id", names)
    if by == "area_type":
        return _rows(
            _group_counts(qs, "region__area_type"),
            "region__area_type",
            dict(Region.AreaType.choices),
        )
    if by == "industry":
        return _rows(_group_counts(qs, "industry"), "industry", {"": "（未填写）"})[:30]
    if by == "formation":
        counts = qs.annotate(**_formation_annotations(as_of)).aggregate(
            **{
                f"{key}_{part}": Count("pk", filter=LX & Q(**{key: True}) & extra)
                for key in FORMATION_FIGURES
                for part, extra in (
                    ("liangxin", Q()),
                    ("above", Q(is_above_scale=True)),
                )
            }
        )
        return [
            Row(
                key=formation,
                label=PartyOrg.Formation(formation).label,
                liangxin=counts[f"{key}_liangxin"],
                covered=counts[f"{key}_liangxin"],
                above_scale=counts[f"{key}_above"],
                above_scale_covered=counts[f"{key}_above"],
                violations=0,
            )
            for key, formation in FORMATION_FIGURES.items()
        ]
    raise ValueError(f"unknown breakdown {by}")


def figures(user: Any, region: Region, as_of: dt.date) -> dict[str, int]:
    """Every figure of the report in one aggregate query."""
    qs = annotated_units(user, region, as_of)
    return qs.aggregate(**{key: Count("pk", filter=q) for key, (_, q) in FIGURES.items()})


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
    counts = figures(user, region, as_of)
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
                for r in breakdown(user, region, as_of, by)
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
    """Organization coverage at each month end (the last point is `as_of` itself)."""
    points = []
    for day in month_ends(as_of, months):
        counts = annotated_units(user, region, day).aggregate(
            liangxin=Count("pk", filter=FIGURES["liangxin"][1]),
            liangxin_covered=Count("pk", filter=FIGURES["liangxin_covered"][1]),
        )
        points.append(
            {
                "date": day.isoformat(),
                "liangxin": counts["liangxin"],
                "covered": counts["liangxin_covered"],
                "rate": rate(counts["liangxin_covered"], counts["liangxin"]),
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
