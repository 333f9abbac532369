"""Pages: the member's card and history, the merchant's check, staff desks; who may open what."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.points.models import Redemption
from lianjian.points.tests.factories import certified_card, shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(enrolled: Any, tree: Any, personas: Any) -> Any:
    card = certified_card(tree.member_a1, 120, tree.community_a1, actor=personas.secretary_a1)
    merchant = shop(tree.community_a1, tree.org_a1, keeper=personas.merchant)
    return card, merchant


def test_member_card_merchant_redeem_member_history(
    world: Any, client_for: Any, personas: Any, tree: Any
) -> None:
    card, merchant = world
    member = client_for(personas.member)
    page = member.get("/points/me/").content.decode()
    assert card.token in page and "data:image/svg+xml" in page and "金卡" in page
    shopkeeper = client_for(personas.merchant)
    check = shopkeeper.get("/points/shop/", {"token": card.token}).content.decode()
    assert "该卡有效" in check and "8.5 折" in check and "陈*" in check
    for secret in (tree.member_a1.id_number, tree.member_a1.mobile, "陈一"):
        assert not secret or secret not in check
    key = "k-123"
    for _ in range(2):  # a double tap records once
        r = shopkeeper.post(
            "/points/shop/redeem/", {"token": card.token, "request_key": key, "amount": "50"}
        )
        assert r.status_code == 302
    assert Redemption.objects.count() == 1
    history = member.get("/points/me/").content.decode()
    assert merchant.shop_name in history and "50.00" in history


def test_refused_card_message(world: Any, client_for: Any, personas: Any) -> None:
    card, _ = world
    client_for(personas.member).post("/points/me/consent/", {"action": "withdraw"})
    page = client_for(personas.merchant).get("/points/shop/", {"token": card.token})
    assert "持卡人已退出积分计划" in page.content.decode()


def test_enrol_needs_agreement(tree: Any, personas: Any, programme: Any, client_for: Any) -> None:
    c = client_for(personas.member)
    c.post("/points/me/consent/", {})
    assert "参加积分计划" in c.get("/points/me/").content.decode()
    c.post("/points/me/consent/", {"agree": "1"})
    from lianjian.points.models import Enrolment

    assert Enrolment.objects.get(member=tree.member_a1).consent_version


PAGES = [
    "/points/",
    "/points/rules/",
    "/points/certify/",
    "/points/adjust/",
    "/points/cards/",
    "/points/merchants/",
    "/points/export/cards.xlsx",
    "/points/me/",
    "/points/me/history/",
    "/points/me/uses/",
    "/points/shop/",
]
ALLOWED = {
    "district_admin": {
        "/points/",
        "/points/rules/",
        "/points/cards/",
        "/points/merchants/",
        "/points/export/cards.xlsx",
    },
    "street_staff": {
        "/points/",
        "/points/rules/",
        "/points/certify/",
        "/points/adjust/",
        "/points/cards/",
        "/points/merchants/",
        "/points/export/cards.xlsx",
    },
    "secretary_a1": {
        "/points/",
        "/points/rules/",
        "/points/certify/",
        "/points/adjust/",
        "/points/cards/",
        "/points/merchants/",
        "/points/export/cards.xlsx",
    },
    "member": {"/points/me/", "/points/me/history/", "/points/me/uses/"},
    "secretary_a2": {
        "/points/",
        "/points/rules/",
        "/points/certify/",
        "/points/adjust/",
        "/points/cards/",
        "/points/merchants/",
        "/points/export/cards.xlsx",
    },
    "merchant": {"/points/shop/"},
}


def test_permission_matrix(world: Any, personas: Any, client_for: Any) -> None:
    wrong = []
    for name, user in personas.all().items():
        c = client_for(user)
        for url in PAGES:
            status = c.get(url).status_code
            expected_ok = url in ALLOWED.get(name, set())
            if (status == 200) != expected_ok or status >= 500:
                wrong.append((name, url, status))
    assert wrong == []


def test_staff_scope(world: Any, personas: Any, client_for: Any) -> None:
    assert "陈一" in client_for(personas.secretary_a1).get("/points/cards/").content.decode()
    assert "陈一" not in client_for(personas.secretary_a2).get("/points/cards/").content.decode()


def test_merchant_without_shop_gets_404(tree: Any, personas: Any, client_for: Any) -> None:
    assert client_for(personas.merchant).get("/points/shop/").status_code == 404


def test_street_brings_a_shop_in_and_secretary_signs(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from lianjian.orgs.tests.factories import make_unit
    from lianjian.points.models import Agreement, Merchant

    unit = make_unit(region=tree.community_a1, name="虹储早餐店", kind="individual_business")
    street = client_for(personas.street_staff)
    street.post(
        "/points/merchants/join/",
        {
            "unit_id": unit.pk,
            "shop_address": "虹储路3号",
            "category": "catering",
            "contact_name": "老板",
        },
    )
    merchant = Merchant.objects.get(unit=unit)
    secretary = client_for(personas.secretary_a1)
    body = {
        "merchant_id": merchant.pk,
        "party_org_id": tree.org_a1.pk,
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "gold_discount": "8",
        "silver_discount": "9",
    }
    secretary.post("/points/merchants/agreements/", body)
    assert Agreement.objects.filter(merchant=merchant, party_org=tree.org_a1).count() == 1
    other = client_for(personas.secretary_a2)
    r = other.post(
        "/points/merchants/agreements/", {**body, "starts_on": "2026-02-01"}, follow=True
    )
    # 虹储's organization is outside 虹仙's scope: refused as if it did not exist
    assert "在您的管理范围内找不到该" in r.content.decode()
    assert Agreement.objects.filter(merchant=merchant).count() == 1
    assert "虹储早餐店" in street.get("/points/merchants/").content.decode()


def test_street_edits_scheme_and_rules(tree: Any, personas: Any, client_for: Any) -> None:
    from lianjian.points.models import Rule, Scheme

    street = client_for(personas.street_staff)
    street.post(
        "/points/rules/",
        {
            "scheme": "1",
            "street_id": tree.street_a.pk,
            "gold_name": "红色金卡",
            "gold_threshold": "200",
            "silver_threshold": "80",
            "expiry_enabled": "1",
        },
    )
    scheme = Scheme.objects.get(street=tree.street_a)
    assert (scheme.gold_name, scheme.gold_threshold, scheme.expiry_enabled) == (
        "红色金卡",
        200,
        True,
    )
    street.post(
        "/points/rules/",
        {
            "street_id": tree.street_a.pk,
            "cause": "lesson",
            "name": "微党课",
            "points": "3",
            "valid_from": "2026-01-01",
        },
    )
    rule = Rule.objects.get(name="微党课")
    street.post("/points/rules/", {"rule_id": rule.pk, "points": "4"})
    assert list(Rule.objects.order_by("pk").values_list("points", flat=True)) == [3, 4]
    secretary = client_for(personas.secretary_a1)
    secretary.post(
        "/points/rules/",
        {"street_id": tree.street_a.pk, "cause": "lesson", "name": "越权", "points": "3"},
    )
    assert not Rule.objects.filter(name="越权").exists()
