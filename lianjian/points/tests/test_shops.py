"""Merchants verify a card: tier and discount, never personal data; refusals are clear."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lianjian.orgs.tests.factories import make_unit
from lianjian.points import services, services_cards, services_shops
from lianjian.points.models import Redemption
from lianjian.points.tests.factories import certified_card, shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(enrolled: Any, tree: Any) -> Any:
    return certified_card(tree.member_a1, 120, tree.community_a1)


def test_verify_shows_tier_discount_masked_name(card: Any, tree: Any, personas: Any) -> None:
    merchant = shop(tree.community_a1, tree.org_a1, keeper=personas.merchant)
    result = services_shops.verify(merchant, card.token)
    assert result.ok and result.tier_name == "金卡" and result.discount == Decimal("8.5")
    assert result.masked_name == "陈*"
    shown = repr({k: v for k, v in result.__dict__.items() if k not in ("card", "agreement")})
    assert tree.member_a1.id_number not in shown and "陈一" not in shown


def test_redeem_is_idempotent_per_request_key(card: Any, tree: Any, personas: Any) -> None:
    merchant = shop(tree.community_a1, tree.org_a1, keeper=personas.merchant)
    first, created = services_shops.redeem(
        merchant, token=card.token, request_key="r-1", actor=personas.merchant, amount="88.5"
    )
    again, created_again = services_shops.redeem(
        merchant, token=card.token, request_key="r-1", actor=personas.merchant, amount="88.5"
    )
    assert created and not created_again and first.pk == again.pk
    assert Redemption.objects.count() == 1 and first.discount == Decimal("8.5")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("suspend", "暂停"),
        ("revoke", "注销"),
        ("withdraw", "退出积分计划"),
        ("rotate", "未找到"),
    ],
)
def test_refused_cards(card: Any, tree: Any, change: str, message: str) -> None:
    merchant = shop(tree.community_a1, tree.org_a1)
    token = card.token
    if change == "suspend":
        services_cards.card_suspend(card, actor=None, reason="遗失")
    elif change == "revoke":
        services_cards.card_revoke(card, actor=None, reason="迁出")
    elif change == "withdraw":
        services.withdraw(tree.member_a1, actor=None)
    else:
        services_cards.card_rotate(card, actor=None)
    assert message in services_shops.verify(merchant, token).message
    with pytest.raises(services.PointsError, match=message):
        services_shops.redeem(merchant, token=token, request_key="k", actor=None)


def test_no_agreement_with_the_card_community(card: Any, tree: Any) -> None:
    merchant = shop(tree.community_b1, tree.org_b1)
    result = services_shops.verify(merchant, card.token)
    assert not result.ok and "发展协议" in result.message


def test_only_businesses_join(tree: Any) -> None:
    unit = make_unit(region=tree.community_a1, name="街道卫生院", kind="institution")
    with pytest.raises(services.PointsError, match="个体工商户"):
        services_shops.merchant_join(
            unit, actor=None, data={"shop_address": "x", "contact_name": "y"}
        )


def test_agreement_discounts_checked(tree: Any) -> None:
    merchant = shop(tree.community_a1, tree.org_a1)
    import datetime as dt

    with pytest.raises(services.PointsError, match="0 到 10"):
        services_shops.agreement_sign(
            merchant,
            tree.org_a1,
            actor=None,
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 12, 31),
            gold_discount="0",
            silver_discount="9",
        )
