"""The desk's reference fields are pickers: scoped searches, forms that accept a picked id and
refuse a forged or out-of-scope one with a Chinese message, changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lianjian.core.pickers import pickers
from lianjian.orgs.tests.factories import make_unit
from lianjian.points.models import Agreement, Entry, Merchant
from lianjian.points.tests.factories import shop

pytestmark = pytest.mark.django_db


def _pick(client: Any, key: str, q: str, **params: str) -> str:
    response = client.get(reverse("pick:search", args=[key]), {"q": q, **params})
    assert response.status_code == 200
    return str(response.content.decode())


def _notice(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_points_declares_its_pickers() -> None:
    assert {"points.unit", "points.merchant", "points.party_org", "points.member"} <= set(pickers())


def test_the_desk_forms_render_pickers_not_id_boxes(
    tree: Any, personas: Any, client_for: Any
) -> None:
    street = client_for(personas.street_staff)
    page = street.get("/points/merchants/").content.decode()
    for key in ("points.unit", "points.merchant", "points.party_org"):
        assert f"/pick/{key}/" in page
    assert "单位编号" not in page and "商户编号" not in page and "党组织编号" not in page
    secretary = client_for(personas.secretary_a1)
    page = secretary.get("/points/adjust/").content.decode()
    assert "/pick/points.member/" in page and "党员编号" not in page


def test_unit_picker_offers_businesses_of_the_scope_not_yet_in_the_alliance(
    tree: Any, personas: Any, client_for: Any
) -> None:
    make_unit(region=tree.community_a1, name="虹储早餐店", kind="individual_business")
    make_unit(region=tree.community_a1, name="虹储卫生服务站", kind="institution")
    make_unit(region=tree.community_b1, name="程桥早餐店", kind="individual_business")
    shop(tree.community_a1, tree.org_a1, name="虹储老店")
    body = _pick(client_for(personas.street_staff), "points.unit", "店")
    assert "虹储早餐店" in body
    assert "虹储卫生服务站" not in body  # not a business
    assert "程桥早餐店" not in body  # another street
    assert "虹储老店" not in body  # already a merchant


def test_merchant_and_org_pickers_are_scoped(tree: Any, personas: Any, client_for: Any) -> None:
    shop(tree.community_a1, tree.org_a1, name="虹储便民店")
    shop(tree.community_b1, tree.org_b1, name="程桥便民店")
    street = client_for(personas.street_staff)
    body = _pick(street, "points.merchant", "便民")
    assert "虹储便民店" in body and "程桥便民店" not in body
    secretary = client_for(personas.secretary_a2)
    orgs = _pick(secretary, "points.party_org", "", perm="points.certify")
    assert tree.org_a2.name in orgs and tree.org_a1.name not in orgs


def test_member_picker_by_name_only(tree: Any, personas: Any, client_for: Any) -> None:
    secretary = client_for(personas.secretary_a1)
    assert "陈一" in _pick(secretary, "points.member", "陈")
    assert "picker-option" not in _pick(secretary, "points.member", tree.member_a1.id_number[:6])
    # 虹仙's secretary never finds 虹储's member
    assert "陈一" not in _pick(client_for(personas.secretary_a2), "points.member", "陈")


@pytest.mark.parametrize(
    ("persona", "key", "perm", "status"),
    [
        ("street_staff", "points.unit", "", 200),
        ("secretary_a1", "points.unit", "", 404),  # joining is the street's
        ("secretary_a1", "points.merchant", "points.certify", 200),
        ("secretary_a1", "points.merchant", "points.manage", 404),
        ("district_admin", "points.party_org", "points.manage", 200),
        ("member", "points.merchant", "points.certify", 404),
        ("merchant", "points.party_org", "", 404),
        ("district_admin", "points.member", "", 404),  # adjusting is the secretary's
        ("outsider", "points.member", "", 404),
    ],
)
def test_picker_permission_matrix(
    personas: Any, client_for: Any, persona: str, key: str, perm: str, status: int
) -> None:
    c = client_for(getattr(personas, persona))
    params = {"q": "虹", **({"perm": perm} if perm else {})}
    assert c.get(reverse("pick:search", args=[key]), params).status_code == status


def test_join_accepts_the_picked_unit_and_refuses_a_forged_one(
    tree: Any, personas: Any, client_for: Any
) -> None:
    mine = make_unit(region=tree.community_a1, name="虹储早餐店", kind="individual_business")
    theirs = make_unit(region=tree.community_b1, name="程桥早餐店", kind="individual_business")
    street = client_for(personas.street_staff)
    body = {"shop_address": "虹储路3号", "category": "catering", "contact_name": "老板"}
    for forged in (theirs.pk, 2**40, "abc", ""):
        r = street.post("/points/merchants/join/", {**body, "unit_id": forged}, follow=True)
        assert r.status_code == 200
        assert "找不到该单位" in _notice(r) or "请选择单位" in _notice(r)
    assert not Merchant.objects.exists()
    r = street.post("/points/merchants/join/", {**body, "unit_id": mine.pk}, follow=True)
    assert "商户已加入红色联盟" in _notice(r)
    assert Merchant.objects.get().unit == mine
    # the same unit twice: the picker no longer offers it and the form refuses it
    r = street.post("/points/merchants/join/", {**body, "unit_id": mine.pk}, follow=True)
    assert "找不到该单位" in _notice(r) and Merchant.objects.count() == 1


def test_agreement_accepts_picked_values_and_refuses_out_of_scope_ids(
    tree: Any, personas: Any, client_for: Any
) -> None:
    mine = shop(tree.community_a1, tree.org_a1, name="虹储便民店")
    theirs = shop(tree.community_b1, tree.org_b1, name="程桥便民店")
    before = Agreement.objects.count()
    secretary = client_for(personas.secretary_a1)
    body = {
        "merchant_id": mine.pk,
        "party_org_id": tree.org_a1.pk,
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "gold_discount": "8",
        "silver_discount": "9",
    }
    for field, forged, message in (
        ("merchant_id", theirs.pk, "找不到该商户"),
        ("party_org_id", tree.org_b1.pk, "找不到该社区党组织"),
        ("party_org_id", tree.org_a2.pk, "找不到该社区党组织"),  # the sibling community
        ("starts_on", "2027-13-01", "开始日期格式"),
    ):
        r = secretary.post("/points/merchants/agreements/", {**body, field: forged}, follow=True)
        assert message in _notice(r), (field, _notice(r))
    assert Agreement.objects.count() == before
    r = secretary.post("/points/merchants/agreements/", body, follow=True)
    assert "发展协议已签订" in _notice(r)
    assert Agreement.objects.filter(merchant=mine, starts_on="2027-01-01").count() == 1


def test_adjust_page_accepts_the_picked_member_and_refuses_another_community(
    enrolled: Any, tree: Any, personas: Any, client_for: Any
) -> None:
    secretary = client_for(personas.secretary_a1)
    body = {"member_id": tree.member_b1.pk, "points": "5", "reason": "补录主题党日"}
    r = secretary.post("/points/adjust/", body)
    assert r.status_code == 200 and "找不到该党员" in r.content.decode()
    for points, message in (("abc", "积分须为整数"), ("0", "调整积分不能为 0")):
        r = secretary.post("/points/adjust/", {**body, "member_id": enrolled.pk, "points": points})
        assert message in r.content.decode()
    assert not Entry.objects.exists()
    r = secretary.post("/points/adjust/", {**body, "member_id": enrolled.pk}, follow=True)
    assert "已为 陈一 记入 +5 分" in _notice(r)
    r = secretary.post(
        "/points/adjust/",
        {"member_id": enrolled.pk, "points": "-2", "reason": "重复登记更正"},
        follow=True,
    )
    assert "当前余额 3 分" in _notice(r) and "重复登记更正" in r.content.decode()
    assert list(Entry.objects.order_by("pk").values_list("points", "note")) == [
        (5, "补录主题党日"),
        (-2, "重复登记更正"),
    ]
