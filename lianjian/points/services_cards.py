"""Certification (认定) and the red alliance cards: issue, upgrade, downgrade, suspend, revoke.

A community certifies its members' points for a period once; the street's scheme
turns each certified total into a tier, and the member's one current card (active
or suspended; a database constraint) is issued, moved to the new tier, renewed or
revoked. Every change of a card is a `CardEvent`. A card's QR carries only its
token: random, rotatable, never an id or personal data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.orgs.models import Member, Region
from lianjian.points.models import (
    TIER_RANK,
    Card,
    CardEvent,
    Cause,
    Certification,
    CertifiedTotal,
    Enrolment,
    Entry,
    Scheme,
    Tier,
)
from lianjian.points.services import PointsError, scheme_of

if TYPE_CHECKING:
    from lianjian.accounts.models import User

CARD_VALID_DAYS = 365
# what certification counts: earned points and the secretary's corrections, not spending
EARNED_EXCLUDES = (Cause.SPEND, Cause.EXPIRY)


def new_token() -> str:
    return secrets.token_urlsafe(18)


def tier_of(points: int, scheme: Scheme | None) -> str:
    scheme = scheme or Scheme()
    if points >= scheme.gold_threshold:
        return Tier.GOLD
    if points >= scheme.silver_threshold:
        return Tier.SILVER
    return ""


def tier_name(tier: str, scheme: Scheme | None) -> str:
    scheme = scheme or Scheme()
    if tier == Tier.GOLD:
        return scheme.gold_name
    if tier == Tier.SILVER:
        return scheme.silver_name
    return "未达标"


def period_totals(community: Region, start: dt.date, end: dt.date) -> dict[int, int]:
    """Enrolled members of `community` and the points they earned in [start, end]."""
    enrolled = Enrolment.objects.filter(community=community, withdrawn_at__isnull=True)
    totals = {mid: 0 for mid in enrolled.values_list("member_id", flat=True)}
    rows = (
        Entry.objects.filter(
            community=community, on__range=(start, end), member_id__in=list(totals)
        )
        .exclude(cause__in=EARNED_EXCLUDES)
        .values("member_id")
        .annotate(s=Sum("points"))
        .values_list("member_id", "s")
    )
    for member_id, points in rows:
        totals[member_id] = points or 0
    return totals


def _event(
    card: Card, action: str, actor: User | None, now: dt.datetime, reason: str = ""
) -> CardEvent:
    return CardEvent(
        card=card,
        action=action,
        tier=card.tier,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        reason=reason,
    )


@transaction.atomic
def certify(
    community: Region, *, start: dt.date, end: dt.date, label: str, actor: User | None
) -> Certification:
    """Certify the community's totals for a period and move each member's card to its tier."""
    if community.level != Region.Level.COMMUNITY:
        raise PointsError("只能按社区认定积分")
    if end < start:
        raise PointsError("周期结束日期不能早于开始日期")
    if Certification.objects.filter(community=community, period_start=start, period_end=end):
        raise PointsError("该社区本周期已认定，不能重复认定")
    now = timezone.now()
    scheme = scheme_of(community.street_ref_id)
    totals = period_totals(community, start, end)
    cert = Certification.objects.create(
        period_start=start,
        period_end=end,
        label=label[:20],
        certified_by=actor if getattr(actor, "pk", None) else None,
        certified_at=now,
        **community.ancestor_ids(),
    )
    tiers = {mid: tier_of(points, scheme) for mid, points in totals.items()}
    CertifiedTotal.objects.bulk_create(
        CertifiedTotal(certification=cert, member_id=mid, points=p, tier=tiers[mid])
        for mid, p in totals.items()
    )
    current = {
        c.member_id: c
        for c in Card.objects.select_for_update().filter(
            member_id__in=list(totals), status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED]
        )
    }
    valid_until = end + dt.timedelta(days=CARD_VALID_DAYS)
    members = {m.pk: m for m in Member.objects.filter(pk__in=[m for m, t in tiers.items() if t])}
    new_cards: list[Card] = []
    changed: list[Card] = []
    events: list[CardEvent] = []
    for mid, tier in tiers.items():
        card = current.get(mid)
        if card is None and tier:
            m = members[mid]
            new_cards.append(
                Card(
                    member_id=mid,
                    tier=tier,
                    token=new_token(),
                    certification=cert,
                    issued_at=now,
                    valid_until=valid_until,
                    district_id=m.district_id,
                    street_id=m.street_id,
                    community_id=m.community_id,
                    area_id=m.area_id,
                )
            )
        elif card is not None and not tier:
            card.status = Card.Status.REVOKED
            changed.append(card)
            events.append(_event(card, CardEvent.Action.REVOKE, actor, now, "认定积分未达标"))
        elif card is not None:
            if tier == card.tier:
                action = CardEvent.Action.RENEW
            elif TIER_RANK[Tier(tier)] > TIER_RANK[Tier(card.tier)]:
                action = CardEvent.Action.UPGRADE
            else:
                action = CardEvent.Action.DOWNGRADE
            card.tier, card.valid_until, card.certification = tier, valid_until, cert
            changed.append(card)
            events.append(_event(card, action, actor, now, f"{label}认定"))
    Card.objects.bulk_update(changed, ["status", "tier", "valid_until", "certification"])
    created = Card.objects.bulk_create(new_cards)
    events += [_event(c, CardEvent.Action.ISSUE, actor, now, f"{label}认定") for c in created]
    CardEvent.objects.bulk_create(events)
    cert.gold = sum(1 for t in tiers.values() if t == Tier.GOLD)
    cert.silver = sum(1 for t in tiers.values() if t == Tier.SILVER)
    cert.save(update_fields=["gold", "silver"])
    audit_record(
        "points.certify",
        user=actor,
        obj=cert,
        detail={"community": community.pk, "gold": cert.gold, "silver": cert.silver},
    )
    return cert


def _card_change(
    card: Card, action: str, actor: User | None, reason: str, **fields: object
) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=list(fields))
    _event(card, action, actor, timezone.now(), reason).save()
    audit_record(f"points.card_{action}", user=actor, obj=card, detail={"reason": reason})
    return card


@transaction.atomic
def card_suspend(card: Card, *, actor: User | None, reason: str) -> Card:
    if card.status != Card.Status.ACTIVE:
        raise PointsError("只有有效的卡可以暂停")
    if not reason.strip():
        raise PointsError("请填写暂停原因")
    return _card_change(card, CardEvent.Action.SUSPEND, actor, reason, status=Card.Status.SUSPENDED)


@transaction.atomic
def card_resume(card: Card, *, actor: User | None) -> Card:
    if card.status != Card.Status.SUSPENDED:
        raise PointsError("只有已暂停的卡可以恢复")
    return _card_change(card, CardEvent.Action.RESUME, actor, "", status=Card.Status.ACTIVE)


@transaction.atomic
def card_revoke(card: Card, *, actor: User | None, reason: str) -> Card:
    if card.status == Card.Status.REVOKED:
        raise PointsError("该卡已注销")
    if not reason.strip():
        raise PointsError("请填写注销原因")
    return _card_change(card, CardEvent.Action.REVOKE, actor, reason, status=Card.Status.REVOKED)


@transaction.atomic
def card_rotate(card: Card, *, actor: User | None) -> Card:
    """A new token: the old QR stops working at once (a lost or photographed card)."""
    if card.status == Card.Status.REVOKED:
        raise PointsError("该卡已注销")
    return _card_change(card, CardEvent.Action.ROTATE, actor, "", token=new_token())


def current_card(member_id: int) -> Card | None:
    return (
        Card.objects.filter(
            Q(status=Card.Status.ACTIVE) | Q(status=Card.Status.SUSPENDED), member_id=member_id
        )
        .order_by("-issued_at")
        .first()
    )
