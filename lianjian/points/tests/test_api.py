"""The API: a member's card, a merchant's check and redemption, staff writes; refusals in Chinese."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.points.tests.factories import certified_card, shop, year

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: Any) -> Any:
    return client.post("/api/v1" + path, data=json.dumps(body), content_type="application/json")


def test_member_merchant_flow(enrolled: Any, tree: Any, personas: Any, client_for: Any) -> None:
    card = certified_card(tree.member_a1, 60, tree.community_a1)
    shop(tree.community_a1, tree.org_a1, keeper=personas.merchant)
    member = client_for(personas.member)
    me = member.get("/api/v1/points/me").json()
    assert me["balance"] == 60 and me["card"]["tier_name"] == "银卡"
    merchant = client_for(personas.merchant)
    seen = merchant.get("/api/v1/points/shop/verify", {"token": card.token}).json()
    assert seen["ok"] and seen["discount"] == "9.5" and seen["masked_name"] == "陈*"
    assert set(seen) == {
        "ok",
        "message",
        "tier",
        "tier_name",
        "discount",
        "valid_until",
        "masked_name",
    }
    body = {"token": card.token, "request_key": "abc", "amount": "20"}
    assert _post(merchant, "/points/shop/redemptions", body).status_code == 201
    assert _post(merchant, "/points/shop/redemptions", body).status_code == 200
    assert len(member.get("/api/v1/points/me").json()["uses"]) == 1
    withdrawn = _post(member, "/points/me/consent", {"agree": False}).json()
    assert withdrawn["enrolled"] is False
    refused = _post(merchant, "/points/shop/redemptions", {**body, "request_key": "x2"})
    assert refused.status_code == 400 and "退出积分计划" in refused.json()["detail"]


def test_staff_routes_and_scope(enrolled: Any, tree: Any, personas: Any, client_for: Any) -> None:
    street = client_for(personas.street_staff)
    r = _post(
        street,
        "/points/rules",
        {"street_id": tree.street_a.pk, "cause": "lesson", "name": "微党课", "points": 2},
    )
    assert r.status_code == 201, r.content
    bad = _post(
        street,
        "/points/rules",
        {"street_id": tree.street_b.pk, "cause": "lesson", "name": "x", "points": 2},
    )
    assert bad.status_code == 404
    secretary = client_for(personas.secretary_a1)
    adj = _post(
        secretary,
        "/points/adjustments",
        {"member_id": tree.member_a1.pk, "points": 70, "reason": "补录"},
    )
    assert adj.status_code == 201 and adj.json()["balance"] == 70
    other = _post(
        secretary,
        "/points/adjustments",
        {"member_id": tree.member_b1.pk, "points": 1, "reason": "x"},
    )
    assert other.status_code == 404
    start, end = year()
    cert = _post(
        secretary,
        "/points/certifications",
        {"community_id": tree.community_a1.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert cert.status_code == 201 and cert.json()["silver"] == 1
    again = _post(
        secretary,
        "/points/certifications",
        {"community_id": tree.community_a1.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert again.status_code == 400 and "重复" in again.json()["detail"]
    tiers = client_for(personas.district_admin).get("/api/v1/points/report/tiers").json()
    assert tiers["silver"] == 1
    assert (
        client_for(personas.secretary_a2).get("/api/v1/points/report/tiers").json()["silver"] == 0
    )


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("merchant", "/api/v1/points/me", 403),
        ("member", "/api/v1/points/shop/verify?token=x", 403),
        ("member", "/api/v1/points/report/tiers", 403),
        ("merchant", "/api/v1/points/report/tiers", 403),
        ("outsider", "/api/v1/points/me", 403),
        ("district_admin", "/api/v1/points/report/merchants", 200),
        ("merchant", "/api/v1/points/shop/verify?token=x", 404),  # no shop of their own
    ],
)
def test_api_matrix(personas: Any, client_for: Any, persona: str, path: str, status: int) -> None:
    r = client_for(getattr(personas, persona)).get(path)
    assert r.status_code == status
    if status != 200:
        assert r.json()["detail"]


def test_openapi_lists_routes(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/points/me",
        "/api/v1/points/shop/verify",
        "/api/v1/points/shop/redemptions",
        "/api/v1/points/report/tiers",
        "/api/v1/points/certifications",
    ):
        assert p in paths
