"""The lists behind the figures (drill-down), the monthly trend, and the report's region."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.utils import timezone

from lianjian.core.actors import Viewer
from lianjian.core.periods import parse_day
from lianjian.core.permissions import grants_with_perm
from lianjian.core.rates import percent
from lianjian.orgs.access import (
    LEVEL_FIELD,
    get_region_for_user,
    regions_visible_to,
    units_visible_to,
)
from lianjian.orgs.coverage.figures import FIGURES, FORMATION_CONDITIONS, FORMATION_FIGURES, LX
from lianjian.orgs.coverage.units import (
    PERM,
    alive_q,
    annotated_units,
    formation_annotations,
    member_q,
    subquery_within,
)
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit


def figure_units(
    user: Viewer,
    region: Region,
    as_of: dt.date,
    figure: str,
    by: str = "",
    key: str = "",
) -> QuerySet[Unit]:
    """The units behind one figure (optionally one breakdown row): the drill-down list."""
    narrow = subquery_within(region)
    qs = annotated_units(user, region, as_of, narrow)
    if figure in FORMATION_FIGURES:
        qs = qs.annotate(**formation_annotations(as_of, narrow)).filter(
            FORMATION_CONDITIONS[figure].q
        )
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
            qs.annotate(**formation_annotations(as_of, narrow)).filter(**{f"formation_{key}": True})
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


def month_ends(as_of: dt.date, months: int = 12) -> list[dt.date]:
    ends = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, as_of))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def coverage_trend(
    user: Viewer, region: Region, as_of: dt.date, months: int = 12
) -> list[dict[str, Any]]:
    """Organization coverage at each month end (the last point is `as_of` itself).

    Two scans, with the same tests as the figures: the subtree's two-new units counted
    alive per month, and the links of those units joined to their unit and organization,
    counting each unit alive and covered per month once. Hashing all live links per
    month (one `IN` per month end) read the city's 180k links twelve times.
    """
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    days = month_ends(as_of, months)
    units = units_visible_to(user, PERM).filter(LX.q, **within)
    alive = units.aggregate(
        **{
            f"a{i}": Count("pk", filter=alive_q(day, "registered_on", "deregistered_on"))
            for i, day in enumerate(days)
        }
    )
    covered = OrgUnitCoverage.objects.filter(unit__in=units.values("pk")).aggregate(
        **{
            f"c{i}": Count(
                "unit_id",
                distinct=True,
                filter=alive_q(day, "since", "until")
                & alive_q(day, "party_org__founded_on", "party_org__dissolved_on")
                & alive_q(day, "unit__registered_on", "unit__deregistered_on"),
            )
            for i, day in enumerate(days)
        }
    )
    return [
        {
            "date": day.isoformat(),
            "liangxin": alive[f"a{i}"],
            "covered": covered[f"c{i}"],
            "rate": percent(covered[f"c{i}"], alive[f"a{i}"]),
        }
        for i, day in enumerate(days)
    ]


def default_region(user: Viewer) -> Region | None:
    """The widest region the user may report on (first granted, highest level first)."""
    regions = [g.region for g in grants_with_perm(user, PERM) if g.region_id]
    order = {Region.Level.DISTRICT: 0, Region.Level.STREET: 1, Region.Level.COMMUNITY: 2}
    regions.sort(key=lambda r: (order.get(r.level, 3), r.pk))
    return regions[0] if regions else None


def region_for(user: Viewer, region_id: Any, request: HttpRequest | None = None) -> Region:
    """The requested region if in scope (404 and an audit row otherwise), else the default."""
    if region_id in (None, ""):
        region = default_region(user)
        if region is None:
            raise Http404("没有可统计的区域")
        return region
    return get_region_for_user(user, region_id, perm=PERM, request=request)


def parse_as_of(value: Any) -> dt.date:
    """`YYYY-MM-DD` or today; a malformed date raises ValueError with a Chinese message."""
    return parse_day(value, "统计日期") or timezone.localdate()


def regions_to_pick(user: Viewer) -> list[Region]:
    """Regions offered in the report's region selector (districts, streets, communities, areas)."""
    return list(regions_visible_to(user, PERM).filter(is_active=True).order_by("path")[:500])
