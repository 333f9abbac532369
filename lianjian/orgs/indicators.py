"""The orgs app's figure for rating schemes (`"ratings.indicators"`, ADR 0018): the units
an organization covers, and the coverage helper the other apps' indicators share.

Coverage (`OrgUnitCoverage`) is this app's table, so the figure is read here; the
apps above (alliances, needs) import `covered_units` to attribute their own rows to
the covering organizations without reading this table themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q

from lianjian.core.indicators import Indicator
from lianjian.orgs.models import OrgUnitCoverage


def covered_units(org_ids: Sequence[int], year: int) -> dict[int, set[int]]:
    """Units each organization covered at some point of `year` (unit id -> org ids)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = OrgUnitCoverage.objects.filter(party_org_id__in=list(org_ids)).filter(
        Q(since__isnull=True) | Q(since__lte=end), Q(until__isnull=True) | Q(until__gte=start)
    )
    out: dict[int, set[int]] = defaultdict(set)
    for org_id, unit_id in rows.values_list("party_org_id", "unit_id"):
        out[unit_id].add(org_id)
    return out


def units_covered(org_ids: Sequence[int], year: int) -> dict[int, float]:
    counts: dict[int, int] = defaultdict(int)
    for orgs in covered_units(org_ids, year).values():
        for org_id in orgs:
            counts[org_id] += 1
    return {k: float(v) for k, v in counts.items()}


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "orgs.units_covered",
        "覆盖单位数",
        "家",
        units_covered,
        "本组织当年覆盖（单独建或联合建）的单位数",
    ),
)
