"""The projects API: the main path, scope (403/404, nothing changed), schema refusals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from lianjian.projects.models import Claim, ClaimStatus, Item, Registration
from lianjian.projects.tests.factories import make_item, register_member

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: Any = None) -> Any:
    return client.post(
        "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json"
    )


def test_main_path_over_the_api(tree: Any, personas: Any, client_for: Any) -> None:
    register_member(tree.member_a1, tree.community_a1)
    secretary, member, street = (
        client_for(personas.secretary_a1),
        client_for(personas.member),
        client_for(personas.street_staff),
    )
    r = _post(
        secretary,
        "/projects/items",
        {
            "community": tree.community_a1.pk,
            "kind": "wish",
            "title": "修一台收音机",
            "estimated_value": "120.50",
            "beneficiaries": [{"name": "赵桂兰", "mobile": "13912345678", "consent": True}],
        },
    )
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["status"] == "published" and item["beneficiaries"][0]["mobile"] == "139****5678"
    listed = member.get("/api/v1/projects/items?open=true").json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    seen = member.get(f"/api/v1/projects/items/{item['id']}").json()
    assert seen["beneficiaries"] == []  # named residents are for the community's staff
    reg = Registration.objects.get(member=tree.member_a1)
    r = _post(member, f"/projects/items/{item['id']}/claims", {"registration": reg.pk})
    assert r.status_code == 201, r.content
    claim_id = r.json()["id"]
    again = _post(member, f"/projects/items/{item['id']}/claims", {"registration": reg.pk})
    assert again.json()["id"] == claim_id
    r = _post(member, f"/projects/claims/{claim_id}/progress", {"text": "已取走", "percent": 30})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = _post(
        member,
        f"/projects/claims/{claim_id}/deliver",
        {"delivered_value": 100, "value_kind": "service", "people_helped": 1, "note": "修好了"},
    )
    assert r.status_code == 200 and r.json()["status"] == "delivered"
    # the sibling community's secretary cannot confirm: 404, nothing changed
    assert (
        _post(client_for(personas.secretary_a2), f"/projects/claims/{claim_id}/confirm").status_code
        == 404
    )
    assert Claim.objects.get(pk=claim_id).status == ClaimStatus.DELIVERED
    assert _post(member, f"/projects/claims/{claim_id}/confirm").status_code == 403
    r = _post(secretary, f"/projects/claims/{claim_id}/confirm")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    report = street.get("/api/v1/projects/report/communities").json()
    assert report["total"]["value"] == 100.0 and report["total"]["people"] == 1
    units = street.get("/api/v1/projects/report/units").json()
    assert units == []  # a member's claim: no unit in the ranking


def test_api_refusals(tree: Any, personas: Any, client_for: Any) -> None:
    secretary = client_for(personas.secretary_a1)
    r = _post(
        secretary,
        "/projects/items",
        {"community": tree.community_a2.pk, "kind": "wish", "title": "x"},
    )
    assert r.status_code == 400 and r.json()["field"] == "community"
    r = _post(
        secretary,
        "/projects/items",
        {"community": tree.community_a1.pk, "kind": "wish", "title": "x", "capacity": "1"},
    )
    assert r.status_code == 422
    # a finite number that overflows once counted in cents (fuzz: it was a 500)
    for huge in (1.7e308, -1.7e308):
        r = _post(
            secretary,
            "/projects/items",
            {
                "community": tree.community_a1.pk,
                "kind": "wish",
                "title": "x",
                "estimated_value": huge,
            },
        )
        assert r.status_code == 422, huge
    r = _post(
        secretary,
        "/projects/items",
        {
            "community": tree.community_a1.pk,
            "kind": "wish",
            "title": "x",
            "beneficiaries": [{"name": "李", "consent": False}],
        },
    )
    assert r.status_code == 400 and r.json()["field"] == "consent"
    assert Item.objects.count() == 0
    other = make_item(tree.community_a2)
    assert secretary.get(f"/api/v1/projects/items/{other.pk}").status_code == 404
    assert client_for(personas.merchant).get("/api/v1/projects/items").status_code == 403
    member = client_for(personas.member)
    assert member.get(f"/api/v1/projects/items/{other.pk}").status_code == 404
    r = _post(member, "/projects/registrations", {"community": tree.community_a2.pk})
    assert r.status_code == 400  # not where the member lives
    bad = secretary.get("/api/v1/projects/report/communities?start=2026-02-30")
    assert bad.status_code in (400, 422)
    promised = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = _post(
        member, f"/projects/items/{other.pk}/claims", {"registration": 1, "promised_by": promised}
    )
    assert r.status_code == 404


def test_openapi_lists_the_routes(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for p in (
        "/api/v1/projects/items",
        "/api/v1/projects/items/{item_id}/claims",
        "/api/v1/projects/claims/{claim_id}/deliver",
        "/api/v1/projects/registrations",
        "/api/v1/projects/report/communities",
    ):
        assert p in paths
