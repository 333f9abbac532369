"""Builders for points tests: a certified card, a merchant with an agreement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.orgs.models import UnitKind
from lianjian.orgs.tests.factories import make_unit
from lianjian.points import services, services_cards, services_shops
from lianjian.points.models import Card, Merchant


def year() -> tuple[dt.date, dt.date]:
    """A certification period ending today (the local date)."""
    today = timezone.localdate()
    return today - dt.timedelta(days=30), today


def certified_card(member: Any, points: int, community: Any, actor: Any = None) -> Card:
    services.adjust(member, points=points, reason="测试积分", actor=actor)
    start, end = year()
    services_cards.certify(community, start=start, end=end, label="2026年度", actor=actor)
    card = services_cards.current_card(member.pk)
    assert card is not None
    return card


def shop(region: Any, party_org: Any, keeper: Any = None, name: str = "红心便民店") -> Merchant:
    unit = make_unit(region=region, name=name, kind=UnitKind.INDIVIDUAL_BUSINESS)
    merchant = services_shops.merchant_join(
        unit,
        actor=None,
        keeper=keeper,
        data={
            "shop_address": "虹桥路1号",
            "category": "retail",
            "contact_name": "店主",
            "contact_phone": "13900001111",
        },
    )
    today = timezone.localdate()
    services_shops.agreement_sign(
        merchant,
        party_org,
        actor=None,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=365),
        gold_discount="8.5",
        silver_discount="9.5",
    )
    return merchant
