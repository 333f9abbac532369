"""Scoped reads of points: a member's ledger and card, reports by tier, cause and merchant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

from django.db.models import Count, Model, Q, QuerySet, Sum

from lianjian.orgs.models import Region
from lianjian.points import access
from lianjian.points.models import Balance, Card, CardEvent, Cause, Entry, Redemption, Tier

if TYPE_CHECKING:
    from lianjian.accounts.models import User

# rows per page of a member's history (phone page and API default)
HISTORY_PAGE = 30
USES_PAGE = 20
BAD_CURSOR = "翻页参数无效，请从最新记录重新查看"

_Row = TypeVar("_Row", bound=Model)


def balance_of(member_id: int) -> int:
    return Balance.objects.filter(member_id=member_id).values_list("points", flat=True).first() or 0


class BadCursor(ValueError):
    """A `before` that is not an id of this member's rows (Chinese message)."""


def parse_before(raw: str | None) -> int | None:
    """The `before` of a history URL: empty for the newest page, else a row id."""
    text = str(raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 19) or int(text) < 1:
        raise BadCursor(BAD_CURSOR)
    return int(text)


@dataclass(frozen=True)
class Page(Generic[_Row]):
    """One newest-first page; `next_before` is what the next (older) page passes as `before`."""

    rows: list[_Row]
    next_before: int | None


def _older(qs: QuerySet[_Row], field: str, before: int | None, limit: int) -> Page[_Row]:
    """Keyset paging on (`field`, id) descending: the thousandth page costs what the first does.

    `before` is the id of the last row seen; its time is read back within `qs` (the
    member's own rows), so an id of anyone else's row is refused like a malformed one.
    """
    if before is not None:
        at = qs.filter(pk=before).values_list(field, flat=True).first()
        if at is None:
            raise BadCursor(BAD_CURSOR)
        # the range bound lets the (member, time, id) index start at the cursor
        qs = qs.filter(**{f"{field}__lte": at}).filter(Q(**{f"{field}__lt": at}) | Q(pk__lt=before))
    rows = list(qs.order_by(f"-{field}", "-pk")[: limit + 1])
    more = len(rows) > limit
    return Page(rows[:limit], rows[limit - 1].pk if more else None)


def history_page(
    member_id: int, before: int | None = None, limit: int = HISTORY_PAGE
) -> Page[Entry]:
    """A page of the member's ledger, newest first (`Entry` rows with their cause)."""
    qs = Entry.objects.filter(member_id=member_id).only(
        "points", "cause", "note", "on", "created_at", "cause_id"
    )
    return _older(qs, "created_at", before, limit)


def history_of(member_id: int, limit: int = HISTORY_PAGE) -> list[Entry]:
    return history_page(member_id, None, limit).rows


def uses_page(
    member_id: int, before: int | None = None, limit: int = USES_PAGE
) -> Page[Redemption]:
    """A page of where the member's card was used, newest first."""
    qs = Redemption.objects.filter(member_id=member_id).select_related("merchant")
    return _older(qs, "at", before, limit)


def card_uses_of(member_id: int, limit: int = USES_PAGE) -> list[Redemption]:
    return uses_page(member_id, None, limit).rows


def card_events_of(card: Card) -> QuerySet[CardEvent]:
    return card.events.order_by("-at", "-pk")


def _names(ids: list[int | None]) -> dict[int, str]:
    return dict(Region.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


class TierRow(TypedDict):
    community_id: int
    community: str
    gold: int
    silver: int


class CauseRow(TypedDict):
    cause: str
    points: int | None
    entries: int
    label: str


class CommunityMerchants(TypedDict):
    community: str
    merchants: int


class MerchantReport(TypedDict):
    merchants: int
    communities: int
    per_community: list[CommunityMerchants]


class MerchantUses(TypedDict):
    merchant_id: int
    merchant__shop_name: str
    uses: int
    amount: Decimal | None


def tier_report(user: User) -> list[TierRow]:
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
    out: list[TierRow] = [
        {
            "community_id": r["community_id"],
            "community": names.get(r["community_id"], "—"),
            "gold": r["gold"],
            "silver": r["silver"],
        }
        for r in listed
    ]
    return sorted(out, key=lambda r: r["community"])


def tier_totals(user: User) -> dict[str, int]:
    rows = access.cards_for(user).filter(status=Card.Status.ACTIVE).values_list("tier")
    counts = dict(rows.annotate(n=Count("pk")).values_list("tier", "n"))
    return {Tier.GOLD: counts.get(Tier.GOLD, 0), Tier.SILVER: counts.get(Tier.SILVER, 0)}


def points_by_cause(user: User, start: dt.date, end: dt.date) -> list[CauseRow]:
    rows = (
        access.entries_for(user)
        .filter(on__range=(start, end))
        .values("cause")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by("cause")
    )
    labels = dict(Cause.choices)
    return [
        {
            "cause": r["cause"],
            "points": r["points"],
            "entries": r["entries"],
            "label": labels.get(r["cause"], r["cause"]),
        }
        for r in rows
    ]


def merchant_report(user: User) -> MerchantReport:
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
                CommunityMerchants(
                    community=names.get(r["community_id"], "—"), merchants=r["merchants"]
                )
                for r in per_community
            ),
            key=lambda r: r["community"],
        ),
    }


def redemptions_per_merchant(user: User) -> list[MerchantUses]:
    rows = (
        access.redemptions_for(user)
        .values("merchant_id", "merchant__shop_name")
        .annotate(uses=Count("pk"), amount=Sum("amount"))
        .order_by("-uses")[:200]
    )
    return [
        {
            "merchant_id": r["merchant_id"],
            "merchant__shop_name": r["merchant__shop_name"],
            "uses": r["uses"],
            "amount": r["amount"],
        }
        for r in rows
    ]
