"""帮扶对子 API: the main path, refusals (400 with the field), scope (403/404), masking."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from lianjian.projects.models import Pair, PairVisit
from lianjian.projects.tests.factories import EVERYONE, IN_SCOPE, VIEWERS, PairWorld, register_org

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: Any = None) -> Any:
    return client.post(
        "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json"
    )


def test_main_path_over_the_api(tree: Any, personas: Any, client_for: Any) -> None:
    reg = register_org(tree.org_building, tree.community_a1)
    unit, street = client_for(personas.unit_admin), client_for(personas.street_staff)
    today = timezone.localdate()
    body = {
        "registration": reg.pk,
        "household_name": "吴家",
        "people": 4,
        "consent": False,
        "started_on": (today - dt.timedelta(days=10)).isoformat(),
        "household_note": "孩子上学困难",
    }
    r = _post(unit, "/projects/pairs", body)
    assert r.status_code == 400 and r.json() == {
        "detail": "登记帮扶对象须经本人同意",
        "field": "consent",
    }
    assert not Pair.objects.exists()
    r = _post(unit, "/projects/pairs", {**body, "consent": True})
    assert r.status_code == 201, r.content
    pair = r.json()
    assert pair["household_name"] == "吴家" and pair["household_note"] == "孩子上学困难"
    assert pair["household_visible"] is True and pair["visits"] == [] and pair["ended_on"] is None
    pid = pair["id"]
    early = (today - dt.timedelta(days=11)).isoformat()
    r = _post(unit, f"/projects/pairs/{pid}/visits", {"visited_on": early, "note": "早"})
    assert r.status_code == 400 and r.json()["field"] == "visited_on"
    assert "早于结对日期" in r.json()["detail"]
    r = _post(
        unit,
        f"/projects/pairs/{pid}/visits",
        {"visited_on": today.isoformat(), "note": "助学金", "value": "1000.50"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["visit_count"] == 1 and r.json()["visit_value"] == 1000.5
    assert r.json()["visits"][0]["note"] == "助学金"
    listed = street.get("/api/v1/projects/pairs?state=active").json()
    assert listed["count"] == 1
    row = listed["items"][0]
    assert row["household_name"] == "吴*" and row["household_visible"] is False
    assert row["visit_value"] == 1000.5 and row["community_name"] == "虹储居民区"
    seen = street.get(f"/api/v1/projects/pairs/{pid}").json()
    assert "孩子上学困难" not in json.dumps(seen, ensure_ascii=False)
    assert seen["household_note"].startswith("******")
    r = _post(unit, f"/projects/pairs/{pid}/end", {"ended_on": today.isoformat()})
    assert r.status_code == 200 and r.json()["ended_on"] == today.isoformat()
    assert r.json()["household_note"] == ""
    r = _post(unit, f"/projects/pairs/{pid}/visits", {"visited_on": today.isoformat(), "note": "x"})
    assert r.status_code == 400 and r.json()["detail"] == "该帮扶对子已结束"
    r = _post(unit, f"/projects/pairs/{pid}/end", {"ended_on": today.isoformat()})
    assert r.status_code == 400 and r.json()["detail"] == "该帮扶对子已结束"
    assert PairVisit.objects.count() == 1
    assert street.get("/api/v1/projects/pairs?state=active").json()["count"] == 0
    assert street.get("/api/v1/projects/pairs?state=ended").json()["count"] == 1


def test_api_refusals(pw: PairWorld, tree: Any, personas: Any, client_for: Any) -> None:
    unit, sec = client_for(personas.unit_admin), client_for(personas.secretary_a1)
    today = timezone.localdate().isoformat()
    base = {"household_name": "郑家", "people": 2, "consent": True, "started_on": today}
    other = pw.pair_b.registration_id
    pending = register_org(tree.org_a1, tree.community_a1, approve=False).pk
    for forged in (other, pending, 999999):
        r = _post(unit, "/projects/pairs", {**base, "registration": forged})
        assert r.status_code == 400 and r.json()["field"] == "registration"
    r = _post(unit, "/projects/pairs", {**base, "registration": pw.reg.pk, "people": 0})
    assert r.status_code == 422
    r = _post(unit, "/projects/pairs", {**base, "registration": pw.reg.pk, "started_on": "明天"})
    assert r.status_code == 422
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = _post(unit, "/projects/pairs", {**base, "registration": pw.reg.pk, "started_on": future})
    assert r.status_code == 400 and r.json()["field"] == "started_on"
    r = _post(unit, "/projects/pairs", {**base, "registration": pw.reg.pk, "extra": 1})
    assert r.status_code == 422
    r = _post(sec, f"/projects/pairs/{pw.pair.pk}/visits", {"visited_on": today, "note": ""})
    assert r.status_code == 400 and r.json()["field"] == "note"
    assert Pair.objects.count() == 2 and PairVisit.objects.count() == 1
    # forged and out-of-scope ids: 404, nothing changed
    street = client_for(personas.street_staff)
    assert street.get("/api/v1/projects/pairs/999999").status_code == 404
    assert street.get(f"/api/v1/projects/pairs/{pw.pair_b.pk}").status_code == 404
    r = _post(street, f"/projects/pairs/{pw.pair_b.pk}/end", {"ended_on": today})
    assert r.status_code == 404 and Pair.objects.get(pk=pw.pair_b.pk).ended_on is None
    assert street.get("/api/v1/projects/pairs?community=abc").status_code == 422
    assert street.get("/api/v1/projects/pairs?state=x").status_code == 422


def test_note_masked_for_a_viewer_without_the_right(
    pw: PairWorld, personas: Any, client_for: Any
) -> None:
    for who, full in (
        ("unit_admin", True),
        ("secretary_a1", True),
        ("street_staff", False),
        ("district_admin", False),
    ):
        got = client_for(getattr(personas, who)).get(f"/api/v1/projects/pairs/{pw.pair.pk}").json()
        assert got["household_visible"] is full, who
        assert (got["household_note"] == "母亲重病") is full, who
        assert (got["household_name"] == "周家") is full, who
        if not full:
            assert got["household_name"] == "周*" and "母亲" not in got["household_note"]
    district = client_for(personas.district_admin).get("/api/v1/projects/pairs").json()
    assert sorted(p["household_name"] for p in district["items"]) == ["周*", "孙*"]
    assert client_for(personas.secretary_a2).get("/api/v1/projects/pairs").json()["count"] == 0


def _expected(route: str, who: str) -> int:
    if route == "list":
        return 200 if who in VIEWERS else 403
    if route == "create":
        if who not in VIEWERS:
            return 403
        return (
            201 if who in {"district_admin", "street_staff", "secretary_a1", "unit_admin"} else 400
        )
    ok = {"detail": 200, "visit": 201, "end": 200}[route]
    if who in IN_SCOPE:
        return ok
    return 404 if who in {"secretary_a2", "member"} else 403


@pytest.mark.parametrize("who", EVERYONE)
def test_api_permission_matrix(pw: PairWorld, personas: Any, client_for: Any, who: str) -> None:
    c = client_for(getattr(personas, who))
    today = timezone.localdate().isoformat()
    pid = pw.pair.pk
    got = {
        "list": c.get("/api/v1/projects/pairs").status_code,
        "create": _post(
            c,
            "/projects/pairs",
            {
                "registration": pw.reg.pk,
                "household_name": "郑家",
                "people": 2,
                "consent": True,
                "started_on": today,
            },
        ).status_code,
        "detail": c.get(f"/api/v1/projects/pairs/{pid}").status_code,
        "visit": _post(
            c, f"/projects/pairs/{pid}/visits", {"visited_on": today, "note": "上门看望"}
        ).status_code,
        "end": _post(c, f"/projects/pairs/{pid}/end", {"ended_on": today}).status_code,
    }
    assert got == {route: _expected(route, who) for route in got}
    changed = who in IN_SCOPE
    assert PairVisit.objects.filter(pair=pw.pair).count() == (2 if changed else 1)
    assert (Pair.objects.get(pk=pid).ended_on is not None) is changed


def test_openapi_documents_the_pair_routes(client: Any) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)
    expected = {
        "/api/v1/projects/pairs": {"get": "200", "post": "201"},
        "/api/v1/projects/pairs/{pair_id}": {"get": "200"},
        "/api/v1/projects/pairs/{pair_id}/visits": {"post": "201"},
        "/api/v1/projects/pairs/{pair_id}/end": {"post": "200"},
    }
    for path, methods in expected.items():
        for method, ok in methods.items():
            op = spec["paths"][path][method]
            assert op["operationId"].startswith("projects_pairs_") and op["security"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in op["summary"])
            assert {ok, "400", "403", "404"} <= set(op["responses"]), path
    detail = spec["components"]["schemas"]["PairDetailOut"]["properties"]
    assert {"household_note", "visits", "visit_value", "household_visible"} <= set(detail)
