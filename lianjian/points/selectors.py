"""Scoped reads of points: a member's ledger and card, reports by tier, cause and merchant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from lianjian.orgs.models import Region
from lianjian.points import access
from lianjian.points.models import Balance, Card, CardEvent, Cause, Entry, Redemption, Tier


def balance_of(member_id: int) -> int:
    return Balance.objects.filter(member_id=member_id).values_list("points", flat=True).first() or 0


def history_of(member_id: int, limit: int = 30) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(member_id=member_id)
        .order_by("-created_at", "-pk")
        .only("points", "cause", "note", "on", "created_at", "cause_id")[:limit]
    )


def card_uses_of(member_id: int, limit: int = 20) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(member_id=member_id)
        .select_related("merchant")
        .order_by("-at")[:limit]
    )


def card_events_of(card: Card) -> QuerySet[CardEvent]:
    return card.events.order_by("-at", "-pk")


def _names(ids: list[int | None]) -> dict[int, str]:
    return dict(Region.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def tier_report(user: Any) -> list[dict[str, Any]]:
    """Current (active) cards by tier per community in the user's scope."""
    rows = (
        access.cards_for(user)
        .filter(status=Card.Status.ACTIVE)
        .values("community_id")
        .annotate(
            gold=Count("pk", filter=Q(tier=Tier.GOLD)),
            silver=Count("pk", filter=Q(tier=Tier.SILVER)),
        )
    )
    listed = list(rows)
    names = _names([r["community_id"] for r in listed])
    out = [
        {
            "community_id": r["community_id"],
            "community": names.get(r["community_id"], "—"),
            "gold": r["gold"],
            "silver": r["silver"],
        }
        for r in listed
    ]
    return sorted(out, key=lambda r: r["community"])


def tier_totals(user: Any) -> dict[str, int]:
    rows = access.cards_for(user).filter(status=Card.Status.ACTIVE).values_list("tier")
    counts = dict(rows.annotate(n=Count("pk")).values_list("tier", "n"))
    return {Tier.GOLD: counts.get(Tier.GOLD, 0), Tier.SILVER: counts.get(Tier.SILVER, 0)}


def points_by_cause(user: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    rows = (
        access.entries_for(user)
        .filter(on__range=(start, end))
        .values("cause")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by("cause")
    )
    labels = dict(Cause.choices)
    return [{**r, "label": labels.get(r["cause"], r["cause"])} for r in rows]


def merchant_report(user: Any) -> dict[str, Any]:
    """Merchants, their agreements per community and redemptions per merchant in scope."""
    merchants = access.merchants_for(user).filter(left_on__isnull=True)
    agreements = access.agreements_for(user)
    per_community = list(
        agreements.values("community_id").annotate(merchants=Count("merchant_id", distinct=True))
    )
    names = _names([r["community_id"] for r in per_community])
    return {
        "merchants": merchants.count(),
        "communities": len(per_community),
        "per_community": sorted(
            (
                {"community": names.get(r["community_id"], "—"), "merchants": r["merchants"]}
                for r in per_community
            ),
            key=lambda r: r["community"],
        ),
    }


def redemptions_per_merchant(user: Any) -> list[dict[str, Any]]:
    return list(
        access.redemptions_for(user)
        .values("merchant_id", "merchant__shop_name")
        .annotate(uses=Count("pk"), amount=Sum("amount"))
        .order_by("-uses")[:200]
    )
