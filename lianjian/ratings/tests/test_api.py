"""The ratings API: the permission matrix per persona, scope (404, nothing changed), the
workflow through the routes, Chinese errors and no 500 for odd input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.ratings.models import Rating, RatingStatus, Scheme
from lianjian.ratings.tests.factories import open_round

API = "/api/v1/ratings"


def _post(c: Any, url: str, body: Any) -> Any:
    return c.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def rnd(tree: Any) -> Any:
    return open_round(tree)


def _ids(rnd: Any) -> dict[str, int]:
    return {c.name: c.pk for c in rnd.scheme.criteria.all()}


READ = {
    # persona: (list status, sees the building branch's rating)
    "district_admin": (200, True),
    "street_staff": (200, True),
    "unit_admin": (200, True),
    "secretary_a1": (403, False),
    "dept_handler": (403, False),
    "member": (403, False),
    "merchant": (403, False),
    "outsider": (403, False),
    "audit_admin": (403, False),
}


@pytest.mark.parametrize("name", sorted(READ))
def test_read_matrix(name: str, personas: Any, tree: Any, rnd: Any, client_for: Any) -> None:
    c = client_for(getattr(personas, name))
    status, sees = READ[name]
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    listed = c.get(f"{API}/ratings")
    assert listed.status_code == status
    detail = c.get(f"{API}/ratings/{rating.pk}")
    assert detail.status_code == (200 if sees else status if status == 403 else 404)
    report = c.get(f"{API}/report/distribution?year=2026")
    assert report.status_code == (200 if name in ("district_admin", "street_staff") else 403)


WRITES = {
    "self-assessment": ("unit_admin", {"scores": [], "summary": "x"}),
    "review": ("street_staff", {"approve": False, "comment": "x"}),
    "confirm": ("district_admin", {"decision": "confirm"}),
    "appeal": ("unit_admin", {"reason": "理由充分的申诉"}),
}


@pytest.mark.parametrize("route", sorted(WRITES))
def test_write_matrix_refuses_everyone_else(
    route: str, personas: Any, tree: Any, rnd: Any, client_for: Any
) -> None:
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    allowed, body = WRITES[route]
    for name, user in personas.all().items():
        if name == allowed:
            continue
        resp = _post(client_for(user), f"{API}/ratings/{rating.pk}/{route}", body)
        assert resp.status_code in (403, 404), (name, resp.status_code)
        assert "detail" in resp.json()
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PENDING and rating.version == 1
    assert not rating.events.exists()


def test_workflow_through_the_api(personas: Any, tree: Any, rnd: Any, client_for: Any) -> None:
    ids = _ids(rnd)
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    org = client_for(personas.unit_admin)
    body: dict[str, Any] = {
        "scores": [
            {"criterion_id": ids["组织生活"], "score": 10, "evidence_text": "记录"},
            {"criterion_id": ids["党员教育"], "score": 10},
        ],
        "submit": True,
        "version": 1,
    }
    resp = _post(org, f"{API}/ratings/{rating.pk}/self-assessment", body)
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "submitted" and resp.json()["self_total"] == 80.0
    # a stale version is a 409
    stale = _post(
        client_for(personas.street_staff), f"{API}/ratings/{rating.pk}/review", {"version": 1}
    )
    assert stale.status_code == 409 and "刷新" in stale.json()["detail"]
    street = client_for(personas.street_staff)
    resp = _post(street, f"{API}/ratings/{rating.pk}/review", {"comment": "同意"})
    assert resp.json()["grade"] == "fair"
    district = client_for(personas.district_admin)
    resp = _post(district, f"{API}/ratings/{rating.pk}/confirm", {"decision": "confirm"})
    assert resp.json()["status"] == "confirmed"
    # locked: a further self-assessment is refused in Chinese
    again = _post(org, f"{API}/ratings/{rating.pk}/self-assessment", {"scores": []})
    assert again.status_code == 400 and "锁定" in again.json()["detail"]
    dist = district.get(f"{API}/report/distribution?year=2026&by=org_type").json()
    assert dist["all"]["rated"] == 1 and dist["all"]["share_good_or_fair"] == 100.0
    detail = org.get(f"{API}/ratings/{rating.pk}").json()
    assert [e["to_status"] for e in detail["events"]] == ["submitted", "reviewed", "confirmed"]
    assert {s["name"] for s in detail["scores"]} == {"组织生活", "党员教育", "覆盖单位"}


def test_scheme_create_open_and_refusals(personas: Any, tree: Any, client_for: Any) -> None:
    c = client_for(personas.district_admin)
    body: dict[str, Any] = {
        "year": 2027,
        "name": "2027年度分类定级",
        "stars": [{"stars": 5, "min_score": 95}],
        "groups": [
            {"name": "基础", "weight": 70, "criteria": [{"name": "组织生活", "max_score": 10}]},
            {
                "name": "作用",
                "weight": 30,
                "criteria": [
                    {
                        "name": "认领项目",
                        "max_score": 10,
                        "method": "computed",
                        "indicator": "projects.claims_delivered",
                        "target": 4,
                    }
                ],
            },
        ],
        "publish": True,
    }
    resp = _post(c, f"{API}/schemes", body)
    assert resp.status_code == 201, resp.content
    scheme_id = resp.json()["id"]
    assert resp.json()["status"] == "published"
    opened = _post(c, f"{API}/schemes/{scheme_id}/round", {"scope": "all"})
    assert opened.status_code == 201 and opened.json()["ratings"] >= 4
    # bad weights: nothing written
    bad = dict(body, year=2028, groups=[dict(body["groups"][0], weight=50)])
    resp = _post(c, f"{API}/schemes", bad)
    assert resp.status_code == 400 and "100" in resp.json()["detail"]
    assert not Scheme.objects.filter(year=2028).exists()
    assert _post(client_for(personas.street_staff), f"{API}/schemes", body).status_code == 403
    assert c.get(f"{API}/indicators").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"scores": [{"criterion_id": 10**30, "score": 1}]},
        {"scores": [{"criterion_id": 1, "score": 1e308}]},
        {"summary": "\x00" * 10},
        {"unknown": 1},
        [],
        "null",
    ],
)
def test_odd_bodies_are_4xx(body: Any, personas: Any, tree: Any, rnd: Any, client_for: Any) -> None:
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    resp = _post(
        client_for(personas.unit_admin), f"{API}/ratings/{rating.pk}/self-assessment", body
    )
    assert 400 <= resp.status_code < 500


def test_odd_paths_and_queries(personas: Any, client_for: Any) -> None:
    c = client_for(personas.district_admin)
    assert c.get(f"{API}/ratings/{10**25}").status_code in (400, 404, 422)
    assert c.get(f"{API}/report/distribution?year=abc").status_code == 422
    assert c.get(f"{API}/ratings?status=nope").status_code == 422
    assert c.get(f"{API}/report/distribution?year=2026&by=x").status_code == 422


def test_openapi_lists_the_routes(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = [p for p in spec["paths"] if p.startswith(API)]
    assert f"{API}/ratings/{{rating_id}}/review" in paths and len(paths) >= 12
