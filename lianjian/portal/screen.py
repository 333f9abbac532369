"""The big screen's figures (大屏): one JSON document for the widest region in scope,
recomputed at most once a minute per scope (the page polls every minute)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from lianjian.core.rates import percent
from lianjian.needs.access import need_events_visible_to
from lianjian.needs.selectors import needs_overdue
from lianjian.orgs import coverage
from lianjian.orgs.access import units_visible_to
from lianjian.orgs.models import Region
from lianjian.visits.selectors import visit_coverage, visits_filtered

if TYPE_CHECKING:
    from lianjian.accounts.models import User

CACHE_SECONDS = 55
TREND_DAYS = 30


def _events_by_day(user: User, action: str, since: dt.datetime) -> dict[dt.date, int]:
    rows = (
        need_events_visible_to(user)
        .filter(action=action, at__gte=since)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["day"]: r["n"] for r in rows}


def _needs(user: User, today: dt.date) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    start = min(today - dt.timedelta(days=TREND_DAYS - 1), today.replace(day=1))
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    received = _events_by_day(user, "submit", since)
    answered = _events_by_day(user, "reply", since)
    days = [today - dt.timedelta(days=i) for i in range(TREND_DAYS - 1, -1, -1)]
    month = [d for d in received.keys() | answered.keys() if d >= today.replace(day=1)]
    return {
        "today": {"received": received.get(today, 0), "answered": answered.get(today, 0)},
        "month": {
            "received": sum(received.get(d, 0) for d in month),
            "answered": sum(answered.get(d, 0) for d in month),
        },
        "overdue": needs_overdue(user).count(),
        "trend": {
            "days": [f"{d:%m-%d}" for d in days],
            "received": [received.get(d, 0) for d in days],
            "answered": [answered.get(d, 0) for d in days],
        },
    }


def _streets(user: User, region: Region, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    children = Region.objects.filter(
        path__startswith=region.path, depth=region.depth + 1, is_active=True
    ).order_by("path")
    for child in children:
        f = coverage.figures(user, child, today)
        rows.append(
            {
                "name": child.name,
                "liangxin": f["liangxin"],
                "covered": f["liangxin_covered"],
                "rate": percent(f["liangxin_covered"], f["liangxin"]),
            }
        )
    return rows


def _visits(user: User, today: dt.date) -> dict[str, Any]:
    start = today.replace(month=1, day=1)
    report = visit_coverage(user, start, today)
    by_month = (
        visits_filtered(user, {"start": start.isoformat(), "end": today.isoformat()})
        .annotate(month=TruncMonth("visited_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    counts = {r["month"].month: r["n"] for r in by_month}
    return {
        "visits": report.visits,
        "visited": report.visited,
        "units": report.units,
        "rate": report.rate,  # already a percentage (core.rates)
        "months": [f"{m}月" for m in range(1, today.month + 1)],
        "by_month": [counts.get(m, 0) for m in range(1, today.month + 1)],
    }


def _treemap(user: User, region: Region) -> list[dict[str, Any]]:
    """Streets → communities sized by their active units (the map of the region tree)."""
    units = units_visible_to(user, coverage.PERM).filter(is_active=True)
    within = units.filter(**{coverage_field(region): region.pk})
    rows = within.values("street__name", "community__name").annotate(n=Count("id")).order_by()
    streets: dict[str, dict[str, Any]] = {}
    for r in rows:
        street = r["street__name"] or region.name
        node = streets.setdefault(street, {"name": street, "value": 0, "children": []})
        node["value"] += r["n"]
        node["children"].append({"name": r["community__name"] or "街道直属", "value": r["n"]})
    return sorted(streets.values(), key=lambda s: -s["value"])


def coverage_field(region: Region) -> str:
    return {
        Region.Level.DISTRICT: "district_id",
        Region.Level.STREET: "street_id",
        Region.Level.COMMUNITY: "community_id",
    }.get(Region.Level(region.level), "area_id")


def screen_data(user: User) -> dict[str, Any] | None:
    region = coverage.default_region(user)
    if region is None:
        return None
    key = f"portal.screen:{user.pk}:{region.pk}"
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return cached
    today = timezone.localdate()
    f = coverage.figures(user, region, today)
    data = {
        "region": region.name,
        "as_of": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "coverage": {
            "liangxin": f["liangxin"],
            "covered": f["liangxin_covered"],
            "rate": percent(f["liangxin_covered"], f["liangxin"]),
            "covering_orgs": f["covering_orgs"],
        },
        "streets": _streets(user, region, today),
        "needs": _needs(user, today),
        "visits": _visits(user, today),
        "treemap": _treemap(user, region),
    }
    cache.set(key, data, CACHE_SECONDS)
    return data
