"""The projects app's figure for rating schemes (`"ratings.indicators"`, ADR 0018): claims
an organization made that the community confirmed as delivered, from this app's table."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count

from lianjian.core.indicators import Indicator
from lianjian.projects.models import Claim, ClaimStatus


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


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "projects.claims_delivered",
        "认领项目完成数",
        "个",
        claims_delivered,
        "本组织当年认领并经社区确认完成的项目、微心愿",
    ),
)
