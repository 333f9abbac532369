"""Merchants of the red alliance, development agreements, and card verification at a shop.

A merchant sees a card's tier, the discount its agreement with the card's community
gives, and whether the card may be used: never the member's ID or phone, at most a
masked name (S16, S15). A redemption is recorded once per request key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.masking import mask
from lianjian.orgs.models import Member, PartyOrg, Unit, UnitKind
from lianjian.points.models import Agreement, Card, Enrolment, Merchant, Redemption
from lianjian.points.services import PointsError, scheme_of
from lianjian.points.services_cards import tier_name

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MERCHANT_KINDS = (
    UnitKind.INDIVIDUAL_BUSINESS,
    UnitKind.PRIVATE_ENTERPRISE,
    UnitKind.STATE_ENTERPRISE,
)


def _discount(value: object, label: str) -> Decimal:
    try:
        d = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise PointsError(f"{label}须为数字，如 9.5 表示九五折") from None
    if not Decimal("0") < d <= Decimal("10"):
        raise PointsError(f"{label}须在 0 到 10 之间（10 表示不打折）")
    return d


@transaction.atomic
def merchant_join(
    unit: Unit, *, actor: User | None, data: Mapping[str, Any], keeper: User | None = None
) -> Merchant:
    """A unit joins the red alliance as a merchant with its shop's details.

    `data` holds a form's or an API body's values by field name, checked here."""
    if unit.kind not in MERCHANT_KINDS:
        raise PointsError("只有个体工商户或企业可以加入红色联盟")
    if Merchant.objects.filter(unit=unit).exists():
        raise PointsError("该单位已是联盟商户")
    shop_name = str(data.get("shop_name") or unit.name).strip()[:100]
    address = str(data.get("shop_address") or unit.address).strip()[:200]
    if not address:
        raise PointsError("请填写店铺地址")
    category = str(data.get("category") or Merchant.Category.OTHER)
    if category not in Merchant.Category.values:
        raise PointsError("请选择商户类别")
    contact = str(data.get("contact_name") or "").strip()[:50]
    if not contact:
        raise PointsError("请填写联系人")
    merchant = Merchant.objects.create(
        unit=unit,
        shop_name=shop_name,
        shop_address=address,
        category=category,
        contact_name=contact,
        contact_phone=str(data.get("contact_phone") or "")[:20],
        joined_on=data.get("joined_on") or timezone.localdate(),
        keeper=keeper,
        district_id=unit.district_id,
        street_id=unit.street_id,
        community_id=unit.community_id,
        area_id=unit.area_id,
    )
    audit_record("points.merchant_join", user=actor, obj=merchant, detail={"unit": unit.pk})
    return merchant


@transaction.atomic
def merchant_leave(merchant: Merchant, *, actor: User) -> Merchant:
    merchant.left_on = timezone.localdate()
    merchant.save(update_fields=["left_on"])
    audit_record("points.merchant_leave", user=actor, obj=merchant)
    return merchant


@transaction.atomic
def agreement_sign(
    merchant: Merchant,
    party_org: PartyOrg,
    *,
    actor: User | None,
    starts_on: dt.date,
    ends_on: dt.date,
    gold_discount: object,
    silver_discount: object,
) -> Agreement:
    """A development agreement between a community Party committee and a merchant."""
    if party_org.community_id is None:
        raise PointsError("发展协议须由社区党组织签订")
    if ends_on < starts_on:
        raise PointsError("协议结束日期不能早于开始日期")
    gold = _discount(gold_discount, "金卡折扣")
    silver = _discount(silver_discount, "银卡折扣")
    if gold > silver:
        raise PointsError("金卡折扣不能低于银卡优惠（金卡折扣数应不大于银卡）")
    try:
        with transaction.atomic():
            agreement = Agreement.objects.create(
                merchant=merchant,
                party_org=party_org,
                starts_on=starts_on,
                ends_on=ends_on,
                gold_discount=gold,
                silver_discount=silver,
                signed_by=actor if getattr(actor, "pk", None) else None,
                district_id=party_org.district_id,
                street_id=party_org.street_id,
                community_id=party_org.community_id,
            )
    except IntegrityError:
        raise PointsError("该商户与该党组织同日开始的协议已存在") from None
    audit_record("points.agreement_sign", user=actor, obj=agreement)
    return agreement


def agreement_for(merchant: Merchant, community_id: int | None, on: dt.date) -> Agreement | None:
    return (
        Agreement.objects.filter(
            merchant=merchant, community_id=community_id, starts_on__lte=on, ends_on__gte=on
        )
        .order_by("-starts_on")
        .first()
    )


@dataclass(frozen=True)
class Verification:
    """What a merchant's page shows about a card: nothing personal beyond a masked name."""

    ok: bool
    message: str
    tier: str = ""
    tier_name: str = ""
    discount: Decimal | None = None
    valid_until: dt.date | None = None
    masked_name: str = ""
    card: Card | None = None
    agreement: Agreement | None = None


REFUSED_UNKNOWN = "未找到该卡，请核对卡号或重新扫码"


def verify(merchant: Merchant, token: str, today: dt.date | None = None) -> Verification:
    today = today or timezone.localdate()
    token = (token or "").strip()
    if merchant.left_on is not None and merchant.left_on <= today:
        return Verification(False, "本店已退出红色联盟，不能受理用卡")
    card = Card.objects.filter(token=token).first() if token and len(token) <= 64 else None
    if card is None:
        return Verification(False, REFUSED_UNKNOWN)
    if card.status == Card.Status.REVOKED:
        return Verification(False, "该卡已注销，不能使用")
    if card.status == Card.Status.SUSPENDED:
        return Verification(False, "该卡已暂停使用，请持卡人联系社区")
    enrolled = Enrolment.objects.filter(member_id=card.member_id, withdrawn_at__isnull=True)
    if not enrolled.exists():
        return Verification(False, "持卡人已退出积分计划，该卡不能使用")
    if card.valid_until < today:
        return Verification(False, f"该卡已于 {card.valid_until:%Y-%m-%d} 过期")
    agreement = agreement_for(merchant, card.community_id, today)
    if agreement is None:
        return Verification(False, "本店与持卡人所在社区尚无有效的发展协议，不能给予优惠")
    name = Member.objects.filter(pk=card.member_id).values_list("name", flat=True).first()
    scheme = scheme_of(card.street_id)
    return Verification(
        True,
        "该卡有效",
        tier=card.tier,
        tier_name=tier_name(card.tier, scheme),
        discount=agreement.discount(card.tier),  # type: ignore[arg-type]
        valid_until=card.valid_until,
        masked_name=mask(name, "name"),
        card=card,
        agreement=agreement,
    )


@transaction.atomic
def redeem(
    merchant: Merchant, *, token: str, request_key: str, actor: User | None, amount: object = None
) -> tuple[Redemption, bool]:
    """Record the card's use at the shop; (redemption, created). A repeated request key
    returns the first redemption; a refused card raises PointsError with the reason."""
    key = (request_key or "").strip()[:64]
    if not key:
        raise PointsError("缺少请求编号，请刷新页面后重试")
    done = Redemption.objects.filter(merchant=merchant, request_key=key).first()
    if done is not None:
        return done, False
    result = verify(merchant, token)
    if not result.ok or result.card is None or result.agreement is None:
        raise PointsError(result.message)
    value: Decimal | None = None
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise PointsError("消费金额须为数字") from None
        if value < 0 or value >= Decimal("100000000"):
            raise PointsError("消费金额无效")
    card = result.card
    discount = result.discount or Decimal("10")
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                card=card,
                member_id=card.member_id,
                merchant=merchant,
                agreement=result.agreement,
                tier=card.tier,
                discount=discount,
                amount=value,
                request_key=key,
                recorded_by=actor if getattr(actor, "pk", None) else None,
                at=timezone.now(),
                district_id=card.district_id,
                street_id=card.street_id,
                community_id=card.community_id,
                area_id=card.area_id,
            )
    except IntegrityError:
        return Redemption.objects.get(merchant=merchant, request_key=key), False
    audit_record("points.redeem", user=actor, obj=redemption, detail={"merchant": merchant.pk})
    return redemption, True
