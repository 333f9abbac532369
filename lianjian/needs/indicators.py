"""The needs app's figure for rating schemes (`"ratings.indicators"`, ADR 0018): the share
of the covered units' needs answered within their deadline, read from this app's table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, F, Q

from lianjian.core.indicators import Indicator
from lianjian.core.rates import percent
from lianjian.needs.models import Need
from lianjian.orgs.indicators import covered_units


def needs_on_time(org_ids: Sequence[int], year: int) -> dict[int, float]:
    """Per organization: needs its covered units raised in `year` answered by the deadline (%)."""
    units = covered_units(org_ids, year)
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


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "needs.answered_on_time",
        "需求按时答复率",
        "%",
        needs_on_time,
        "本组织覆盖单位当年提出的需求中在答复期限内得到答复的比例",
    ),
)
