"""Pages: the permission matrix per persona, the main path through the pages, masking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianjian.projects import services
from lianjian.projects.models import (
    Claim,
    ClaimStatus,
    Item,
    ItemStatus,
    Kind,
    Photo,
    Registration,
)
from lianjian.projects.tests.factories import make_item, register_member, register_org

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    item: Item  # published micro-wish in community a1
    item_a2: Item  # published in community a2
    claim: Claim  # the unit admin's organization's claim on a service item in a1


@pytest.fixture
def world(tree: Any, personas: Any) -> World:
    register_member(tree.member_a1, tree.community_a1)
    org_reg = register_org(tree.org_building, tree.community_a1)
    service = make_item(tree.community_a1, Kind.SERVICE, capacity=3, title="助老服务岗")
    claim = services.claim_create(service, registration=org_reg)
    return World(
        item=make_item(
            tree.community_a1,
            beneficiaries=[{"name": "王秀英", "mobile": "13912345678", "consent": True}],
        ),
        item_a2=make_item(tree.community_a2, title="虹仙的微心愿"),
        claim=claim,
    )


STAFF_OK = {"district_admin", "street_staff", "secretary_a1", "secretary_a2"}
CLAIMANTS = {"member", "unit_admin"}
EVERYONE = (
    "district_admin",
    "street_staff",
    "secretary_a1",
    "secretary_a2",
    "unit_admin",
    "dept_handler",
    "member",
    "merchant",
    "outsider",
    "audit_admin",
    "security_admin",
)


def _expected(page: str, who: str) -> int:
    if page in ("list", "report", "registrations", "create"):
        return 200 if who in STAFF_OK else 403
    if page == "phone":
        return 200 if who in CLAIMANTS else 403
    if page == "detail":
        if who in {"district_admin", "street_staff", "secretary_a1"}:
            return 200
        if who in CLAIMANTS:
            return 302  # to the phone page of the item
        return 404 if who == "secretary_a2" else 403
    if page == "phone_item":
        if who in {"district_admin", "street_staff", "secretary_a1", *CLAIMANTS}:
            return 200
        return 404 if who == "secretary_a2" else 403
    raise AssertionError(page)


@pytest.mark.parametrize("who", EVERYONE)
def test_permission_matrix(world: World, personas: Any, client_for: Any, who: str) -> None:
    c = client_for(getattr(personas, who))
    urls = {
        "list": "/projects/",
        "report": "/projects/report/",
        "registrations": "/projects/registrations/",
        "create": "/projects/new/",
        "phone": "/projects/m/",
        "detail": f"/projects/{world.item.pk}/",
        "phone_item": f"/projects/m/items/{world.item.pk}/",
    }
    got = {page: c.get(url).status_code for page, url in urls.items()}
    assert got == {page: _expected(page, who) for page in urls}


def test_sibling_secretary_and_unregistered_claimants_change_nothing(
    world: World, personas: Any, client_for: Any
) -> None:
    from lianjian.projects import services_delivery

    services_delivery.claim_deliver(
        world.claim, delivered_value="100", value_kind="service", people_helped=3, note="完成"
    )
    r = client_for(personas.secretary_a2).post(f"/projects/claims/{world.claim.pk}/confirm/")
    assert r.status_code == 404
    world.claim.refresh_from_db()
    assert world.claim.status == ClaimStatus.DELIVERED
    # the member is registered in a1 only: a2's item is not theirs to see or claim
    member = client_for(personas.member)
    promised = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    r = member.post(f"/projects/m/items/{world.item_a2.pk}/", {"promised_by": promised})
    assert r.status_code == 404
    assert not Claim.objects.filter(item=world.item_a2).exists()
    # the unit admin cannot act on the member's claims, nor the member on the unit's
    r = member.post(f"/projects/m/claims/{world.claim.pk}/", {"step": "progress"})
    assert r.status_code == 404
    r = member.post(f"/projects/{world.item.pk}/publish/")
    assert r.status_code == 403


def test_named_beneficiaries_are_masked_on_the_page(
    world: World, personas: Any, client_for: Any
) -> None:
    page = client_for(personas.secretary_a1).get(f"/projects/{world.item.pk}/").content.decode()
    assert "13912345678" not in page and "139****5678" in page
    assert "王秀英" not in page and "王**" in page


def test_main_path_through_the_pages(tree: Any, personas: Any, client_for: Any) -> None:
    register_member(tree.member_a1, tree.community_a1)
    secretary, member, street = (
        client_for(personas.secretary_a1),
        client_for(personas.member),
        client_for(personas.street_staff),
    )
    r = secretary.post(
        "/projects/new/",
        {
            "kind": "wish",
            "title": "给刘奶奶配一副老花镜",
            "community": tree.community_a1.pk,
            "beneficiary_count": 1,
            "estimated_value": "300",
            "capacity": 1,
            "publish_now": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    item = Item.objects.get(title="给刘奶奶配一副老花镜")
    assert item.status == ItemStatus.PUBLISHED
    home = member.get("/projects/m/").content.decode()
    assert "给刘奶奶配一副老花镜" in home
    promised = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    reg = Registration.objects.get(member=tree.member_a1)
    r = member.post(
        f"/projects/m/items/{item.pk}/", {"registration": reg.pk, "promised_by": promised}
    )
    assert r.status_code == 302
    claim = Claim.objects.get(item=item)
    # a double submission claims once
    member.post(f"/projects/m/items/{item.pk}/", {"registration": reg.pk, "promised_by": promised})
    assert Claim.objects.filter(item=item).count() == 1
    r = member.post(
        f"/projects/m/claims/{claim.pk}/",
        {
            "step": "progress",
            "p-text": "已配好",
            "p-percent": "60",
            "p-photo": SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        },
    )
    assert r.status_code == 302
    r = member.post(
        f"/projects/m/claims/{claim.pk}/",
        {
            "step": "deliver",
            "d-delivered_value": "280",
            "d-value_kind": "goods",
            "d-people_helped": "1",
            "d-note": "已送到刘奶奶家",
        },
    )
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DELIVERED
    photo = Photo.objects.get(progress__claim=claim)
    assert member.get(f"/projects/photos/{photo.token}/").status_code == 200
    assert (
        client_for(personas.secretary_a2).get(f"/projects/photos/{photo.token}/").status_code == 404
    )
    r = secretary.post(f"/projects/claims/{claim.pk}/confirm/")
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED
    report = street.get("/projects/report/").content.decode()
    assert 'id="total-value">280.00' in report and 'id="total-people">1<' in report
    xlsx = street.get("/projects/report/export/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_bad_input_on_pages_is_a_message_not_a_500(
    world: World, personas: Any, client_for: Any
) -> None:
    secretary = client_for(personas.secretary_a1)
    r = secretary.post("/projects/new/", {"kind": "wish", "title": "", "community": "x"})
    assert r.status_code == 200
    r = secretary.get("/projects/?status=bogus&community=abc")
    assert r.status_code == 200 and "状态无效" in r.content.decode()
    r = secretary.get("/projects/report/?start=2026-13-01")
    assert r.status_code == 200
    r = secretary.post(f"/projects/{world.item.pk}/withdraw/", {"reason": ""})
    assert r.status_code == 302
    world.item.refresh_from_db()
    assert world.item.status == ItemStatus.PUBLISHED
    # the unit admin's claim: a delivery form without its fields re-renders with errors
    r = client_for(personas.unit_admin).post(
        f"/projects/m/claims/{world.claim.pk}/", {"step": "deliver", "d-note": ""}
    )
    assert r.status_code == 200
    world.claim.refresh_from_db()
    assert world.claim.status == ClaimStatus.CLAIMED
