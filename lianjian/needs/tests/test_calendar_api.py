"""GET /api/v1/calendar/days: a year's days that differ from Mon–Fri, scoped by the caller."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from lianjian.accounts.services import token_create
from lianjian.needs.calendar.services import calendar_day_set

D = dt.date
URL = "/api/v1/calendar/days"


def bearer(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user, 'calendar')}"})


def by_date(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["date"]: item for item in body["items"]}


def test_official_days_of_2024_to_2026(personas: Any) -> None:
    client = bearer(personas.street_staff)
    bodies = [client.get(URL, {"year": year}).json() for year in (2024, 2025, 2026)]
    assert sum(len(body["items"]) for body in bodies) == 75  # the count
    assert all(body["official"] for body in bodies)
    days = by_date(bodies[1])
    assert days["2025-10-08"] == {
        "date": "2025-10-08",
        "is_workday": False,
        "source": "national",
        "level": "national",
        "region_id": None,
        "note": "国庆节",
    }
    assert days["2025-10-11"]["is_workday"] is True
    assert "2025-10-04" not in days  # a Saturday off anyway
    assert client.get(URL, {"year": 2027}).json() == {
        "year": 2027,
        "region_id": personas.street_staff.grants.get().region_id,
        "official": False,
        "items": [],
    }


def test_street_user_sees_national_district_and_own_street_days_only(
    personas: Any, tree: Any, world: Any
) -> None:
    calendar_day_set(D(2025, 3, 12), is_workday=False, note="全区活动", region=tree.district)
    calendar_day_set(D(2025, 3, 13), is_workday=False, note="虹桥活动", region=tree.street_a)
    calendar_day_set(D(2025, 3, 14), is_workday=False, note="程家桥活动", region=tree.street_b)
    calendar_day_set(D(2025, 10, 11), is_workday=False, note="不调休", region=tree.street_a)

    for user in (personas.street_staff, personas.secretary_a1, personas.dept_handler):
        body = bearer(user).get(URL, {"year": 2025}).json()
        assert body["region_id"] == tree.street_a.pk
        days = by_date(body)
        assert (days["2025-03-12"]["source"], days["2025-03-12"]["level"]) == ("local", "district")
        assert days["2025-03-13"] == {
            "date": "2025-03-13",
            "is_workday": False,
            "source": "local",
            "level": "street",
            "region_id": tree.street_a.pk,
            "note": "虹桥活动",
        }
        assert "2025-03-14" not in days
        assert "2025-10-11" not in days  # the street took the 调休 Saturday back
        assert days["2025-10-08"]["source"] == "national"

    staff = bearer(personas.street_staff)
    assert staff.get(URL, {"year": 2025, "region": tree.street_b.pk}).status_code == 404
    admin = bearer(personas.district_admin)
    district = by_date(admin.get(URL, {"year": 2025}).json())
    assert "2025-03-12" in district and "2025-03-13" not in district
    sibling = by_date(admin.get(URL, {"year": 2025, "region": tree.street_b.pk}).json())
    assert sibling["2025-03-14"]["note"] == "程家桥活动" and "2025-03-13" not in sibling


def test_refusals_are_json(personas: Any) -> None:
    assert Client().get(URL, {"year": 2025}).status_code == 401
    assert bearer(personas.member).get(URL, {"year": 2025}).status_code == 403
    staff = bearer(personas.street_staff)
    for params in ({}, {"year": "abc"}, {"year": 1800}):
        resp = staff.get(URL, params)
        assert resp.status_code in (400, 422) and resp["Content-Type"].startswith(
            "application/json"
        )
    resp = staff.get(URL, {"year": 2025, "region": 999999})
    assert resp.status_code == 404 and "detail" in resp.json()


def test_route_is_in_the_openapi_spec_with_typed_fields(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/calendar/days"]["get"]
    assert operation["operationId"] == "calendar_days"
    day = spec["components"]["schemas"]["CalendarDayOut"]["properties"]
    assert day["source"]["enum"] == ["national", "local"]
    assert day["level"]["enum"] == ["national", "district", "street"]
