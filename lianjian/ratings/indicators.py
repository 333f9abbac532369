"""The indicators ratings ships (DOMAIN.md §9) and the lookup of contributed ones.

Each is read per Party organization and calendar year from the records of the app
that owns them; an app above or beside ratings (activities) contributes its own
under the extension point `"ratings.indicators"` (`lianjian.core.indicators`).
These are read-only aggregates of lower apps' tables: the owning apps publish no
per-organization figure yet (ADR 0018).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, F, Q

from lianjian.alliances.models import Attendance
from lianjian.core.indicators import Indicator
from lianjian.core.rates import percent
from lianjian.core.registry import extension
from lianjian.needs.models import Need
from lianjian.orgs.models import OrgUnitCoverage
from lianjian.projects.models import Claim, ClaimStatus

EXTENSION_POINT = "ratings.indicators"


def _covered_units(org_ids: Sequence[int], year: int) -> dict[int, set[int]]:
    """Units each organization covered at some point of `year` (unit id -> org ids)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = OrgUnitCoverage.objects.filter(party_org_id__in=list(org_ids)).filter(
        Q(since__isnull=True) | Q(since__lte=end), Q(until__isnull=True) | Q(until__gte=start)
    )
    out: dict[int, set[int]] = defaultdict(set)
    for org_id, unit_id in rows.values_list("party_org_id", "unit_id"):
        out[unit_id].add(org_id)
    return out


def meetings_attended(org_ids: Sequence[int], year: int) -> dict[int, float]:
    units = _covered_units(org_ids, year)
    seen: dict[int, set[int]] = defaultdict(set)
    rows = (
        Attendance.objects.filter(unit_id__in=list(units), meeting__held_on__year=year)
        .values_list("unit_id", "meeting_id")
        .distinct()
    )
    for unit_id, meeting_id in rows:
        for org_id in units[unit_id]:
            seen[org_id].add(meeting_id)
    return {org_id: float(len(m)) for org_id, m in seen.items()}


def needs_on_time(org_ids: Sequence[int], year: int) -> dict[int, float]:
    units = _covered_units(org_ids, year)
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Need.objects.filter(unit_id__in=list(units), created_at__year=year)
        .values("unit_id")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("deadline"))),
        )
    )
    for row in rows:
        for org_id in units[row["unit_id"]]:
            tally[org_id][0] += row["on_time"]
            tally[org_id][1] += row["n"]
    return {k: percent(a, b) or 0.0 for k, (a, b) in tally.items()}


def claims_delivered(org_ids: Sequence[int], year: int) -> dict[int, float]:
    rows = (
        Claim.objects.filter(
            party_org_id__in=list(org_ids),
            status=ClaimStatus.CONFIRMED,
            confirmed_at__year=year,
        )
        .values("party_org_id")
        .annotate(n=Count("pk"))
    )
    return {row["party_org_id"]: float(row["n"]) for row in rows}


def units_covered(org_ids: Sequence[int], year: int) -> dict[int, float]:
    counts: dict[int, int] = defaultdict(int)
    for orgs in _covered_units(org_ids, year).values():
        for org_id in orgs:
            counts[org_id] += 1
    return {k: float(v) for k, v in counts.items()}


BUILTIN: tuple[Indicator, ...] = (
    Indicator(
        "alliances.meetings_attended",
        "参加联席会议次数",
        "次",
        meetings_attended,
        "本组织覆盖单位当年出席的已召开联席会议（按会议计，不重复）",
    ),
    Indicator(
        "needs.answered_on_time",
        "需求按时答复率",
        "%",
        needs_on_time,
        "本组织覆盖单位当年提出的需求中在答复期限内得到答复的比例",
    ),
    Indicator(
        "projects.claims_delivered",
        "认领项目完成数",
        "个",
        claims_delivered,
        "本组织当年认领并经社区确认完成的项目、微心愿",
    ),
    Indicator(
        "orgs.units_covered",
        "覆盖单位数",
        "家",
        units_covered,
        "本组织当年覆盖（单独建或联合建）的单位数",
    ),
)


def indicators() -> dict[str, Indicator]:
    """Every indicator a scheme may name: ratings' own, then the contributed ones."""
    found = {i.key: i for i in BUILTIN}
    for item in extension(EXTENSION_POINT):
        if isinstance(item, Indicator) and item.key not in found:
            found[item.key] = item
    return found
