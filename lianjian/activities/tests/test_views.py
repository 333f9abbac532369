"""Pages and API per persona: allowed personas succeed; the others get 403/404 and nothing changes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from lianjian.activities.models import Attendance, HoursRecord, Signup, Volunteer
from lianjian.activities.tests.factories import make_event, make_volunteer

pytestmark = pytest.mark.django_db


def _join(client: Any) -> None:
    r = client.post("/activities/m/join/", {"name": "陈一", "consent": "on"})
    assert r.status_code == 302


def test_member_flow_signup_checkin_log_and_verify(
    tree: Any, personas: Any, client_for: Any
) -> None:
    # starts in 20 minutes: its code already works (30 minutes before the start)
    event = make_event(tree.community_a1, capacity=10, hours=2, starts_in=dt.timedelta(minutes=20))
    member = client_for(personas.member)
    page = member.get("/activities/m/")
    assert page.status_code == 200 and "加入志愿服务" in page.content.decode()
    # without consent nothing is created
    member.post("/activities/m/join/", {"name": "陈一"})
    assert not Volunteer.objects.filter(user=personas.member).exists()
    _join(member)
    assert event.title in member.get("/activities/m/").content.decode()
    r = member.post(f"/activities/m/events/{event.pk}/signup/")
    assert r.status_code == 302
    assert Signup.objects.get(event=event).status == "confirmed"
    assert member.get(f"/activities/checkin/{event.checkin_token}/").status_code == 200
    member.post(f"/activities/checkin/{event.checkin_token}/")
    assert Attendance.objects.filter(event=event).count() == 1
    today = timezone.localdate().isoformat()
    member.post("/activities/me/hours/log/", {"on": today, "hours": "1.5", "description": "助老"})
    assert HoursRecord.objects.filter(status="pending").count() == 2
    # the member cannot reach the organizer's queue; a sibling secretary sees nothing to verify
    assert member.get("/activities/hours/").status_code == 403
    other = client_for(personas.secretary_a2)
    rec = HoursRecord.objects.filter(event=event).get()
    other.post("/activities/hours/", {"record": rec.pk, "action": "verify"})
    rec.refresh_from_db()
    assert rec.status == "pending"
    staff = client_for(personas.secretary_a1)
    assert "助老" in staff.get("/activities/hours/").content.decode()
    for r in HoursRecord.objects.all():
        staff.post("/activities/hours/", {"record": r.pk, "action": "verify", "hours": r.hours})
    page = member.get("/activities/me/hours/").content.decode()
    assert "3.5" in page
    assert member.get("/activities/me/qr/").status_code == 200


def test_desk_pages_by_persona(tree: Any, personas: Any, client_for: Any) -> None:
    event = make_event(tree.community_a1, organizer_org=tree.org_a1)
    allowed = {"district_admin", "street_staff", "secretary_a1"}
    for name, user in personas.all().items():
        c = client_for(user)
        r = c.get(f"/activities/events/{event.pk}/")
        if name in allowed:
            assert r.status_code == 200, name
        else:
            assert r.status_code in (403, 404), name
    report = client_for(personas.street_staff).get("/activities/report/")
    assert report.status_code == 200
    assert client_for(personas.member).get("/activities/report/").status_code == 403
    assert client_for(personas.merchant).get("/activities/m/").status_code == 403


def test_event_create_page(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.secretary_a1)
    assert c.get("/activities/events/new/").status_code == 200
    r = c.post(
        "/activities/events/new/",
        {
            "kind": "party_day", "title": "七一主题党日", "organizer_org": tree.org_a1.pk,
            "joint_orgs": [tree.org_a1.pk], "starts_at": "2030-07-01T09:00",
            "ends_at": "2030-07-01T11:00", "audience": "orgs", "capacity": "30", "publish": "on",
        },
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    # a sibling community's secretary cannot organize for 虹储
    c2 = client_for(personas.secretary_a2)
    r = c2.post(
        "/activities/events/new/",
        {"kind": "service", "title": "越权", "organizer_org": tree.org_a1.pk,
         "starts_at": "2030-07-01T09:00", "ends_at": "2030-07-01T11:00", "audience": "public"},
    )  # fmt: skip
    assert r.status_code == 200 and "越权" not in "".join(
        e.title
        for e in __import__("lianjian.activities.models", fromlist=["Event"]).Event.objects.all()
    )


def test_team_pages_and_withdrawal_hides(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.secretary_a1)
    c.post("/activities/teams/", {"region": tree.community_a1.pk, "name": "护河队"})
    from lianjian.activities.models import Team

    team = Team.objects.get(name="护河队")
    v = make_volunteer(tree.community_a1, name="王五")
    c.post(f"/activities/teams/{team.pk}/", {"volunteer": v.pk})
    assert "王五" in c.get(f"/activities/teams/{team.pk}/").content.decode()
    from lianjian.activities import services

    services.volunteer_withdraw(v)
    assert "王五" not in c.get(f"/activities/teams/{team.pk}/").content.decode()
    assert client_for(personas.secretary_a2).get(f"/activities/teams/{team.pk}/").status_code == 404


def _api(c: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(c, method)(
        "/api/v1" + url, data=json.dumps(body) if body is not None else None,
        content_type="application/json",
    )  # fmt: skip


def test_api_signup_waiting_and_errors(tree: Any, personas: Any, client_for: Any) -> None:
    event = make_event(tree.community_a1, capacity=1)
    services_first = make_volunteer(tree.community_a1)
    from lianjian.activities import services

    services.signup_create(event, services_first)
    m = client_for(personas.member)
    r = _api(m, "post", f"/activities/events/{event.pk}/signup")
    assert r.status_code == 409 and "加入志愿服务" in r.json()["detail"]
    r = _api(m, "post", "/activities/me/volunteer", {"name": "陈一", "consent": False})
    assert r.status_code == 400 and "同意" in r.json()["detail"]
    assert (
        _api(m, "post", "/activities/me/volunteer", {"name": "陈一", "consent": True}).status_code
        == 200
    )
    r = _api(m, "post", f"/activities/events/{event.pk}/signup")
    assert r.status_code == 200 and r.json()["status"] == "waiting"
    assert _api(m, "get", "/activities/events").json()["count"] == 1
    r = _api(m, "post", "/activities/checkin", {"token": "nope"})
    assert r.status_code == 404 and "签到码" in r.json()["detail"]
    r = _api(
        m, "post", "/activities/me/hours", {"on": "2000-01-01", "hours": 2, "description": "x"}
    )
    assert r.status_code == 400
    r = _api(
        m,
        "post",
        "/activities/me/hours",
        {"on": timezone.localdate().isoformat(), "hours": 2, "description": "巡河"},
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    assert (
        _api(m, "post", f"/activities/hours/{rid}/verify", {"action": "verify"}).status_code == 404
    )
    s = client_for(personas.secretary_a1)
    r = _api(s, "post", f"/activities/hours/{rid}/verify", {"action": "reject"})
    assert r.status_code == 400 and "原因" in r.json()["detail"]
    r = _api(s, "post", f"/activities/hours/{rid}/verify", {"action": "verify", "hours": 1.5})
    assert r.status_code == 200 and Decimal(str(r.json()["hours"])) == Decimal("1.5")
    assert _api(m, "get", "/activities/me/hours").json()["totals"][0]["verified"] in ("1.5", 1.5)
    assert (
        _api(client_for(personas.secretary_a2), "get", f"/activities/events/{event.pk}").status_code
        == 404
    )
    rep = _api(client_for(personas.street_staff), "get", "/activities/report").json()
    assert rep["volunteers"] == 2
    bad = _api(s, "post", "/activities/events", {"kind": "x", "title": "t"})
    assert bad.status_code == 422
    made = _api(
        s, "post", "/activities/events",
        {"kind": "service", "title": "接口发布", "organizer_org_id": tree.org_a1.pk,
         "starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T11:00:00", "capacity": 5},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["organizer"] == tree.org_a1.name
    ended = _api(
        s, "post", "/activities/events",
        {"kind": "service", "title": "倒置", "organizer_org_id": tree.org_a1.pk,
         "starts_at": "2030-05-01T09:00:00", "ends_at": "2030-05-01T08:00:00"},
    )  # fmt: skip
    assert ended.status_code == 400 and "结束时间" in ended.json()["detail"]


def test_venue_pages(tree: Any, personas: Any, client_for: Any) -> None:
    import datetime as dt

    from lianjian.activities import services
    from lianjian.activities.models import Booking

    venue = services.venue_create(
        actor=None, name="活动室", region=tree.community_a1, owner_org=tree.org_a1, capacity=20,
        opens_at=dt.time(8), closes_at=dt.time(21),
    )  # fmt: skip
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    member = client_for(personas.member)
    assert "活动室" in member.get("/activities/venues/").content.decode()
    member.post(
        f"/activities/venues/{venue.pk}/",
        {"starts_at": f"{day}T09:00", "ends_at": f"{day}T10:00", "purpose": "学习", "attendees": 5},
    )
    booking = Booking.objects.get(venue=venue)
    # the member may not approve; the sibling secretary cannot even see the venue's bookings
    member.post(f"/activities/venues/{venue.pk}/", {"action": "approve", "booking": booking.pk})
    other = client_for(personas.secretary_a2)
    other.post(f"/activities/venues/{venue.pk}/", {"action": "approve", "booking": booking.pk})
    booking.refresh_from_db()
    assert booking.status == "pending"
    owner = client_for(personas.secretary_a1)
    owner.post(f"/activities/venues/{venue.pk}/", {"action": "approve", "booking": booking.pk})
    booking.refresh_from_db()
    assert booking.status == "approved"
    assert "已批准" in member.get("/activities/venues/").content.decode()


def test_ics_and_month_calendar(tree: Any, personas: Any, client_for: Any) -> None:
    from lianjian.activities import services

    event = make_event(tree.community_a1, title="重阳节敬老活动,含茶话会;合影")
    v = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    services.signup_create(event, v)
    member = client_for(personas.member)
    r = member.get("/activities/me/calendar.ics")
    assert r["Content-Type"].startswith("text/calendar")
    body = r.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:重阳节敬老活动\\,含茶话会\\;合影" in body.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    month = timezone.localtime(event.starts_at).strftime("%Y-%m")
    page = member.get(f"/activities/calendar/?month={month}").content.decode()
    assert "重阳节敬老活动" in page
    assert (
        "重阳节敬老活动"
        not in client_for(personas.secretary_a2)
        .get(f"/activities/calendar/?month={month}")
        .content.decode()
    )
    assert client_for(personas.member).get("/activities/calendar/?month=bad").status_code == 200


def test_api_bookings_rosters_lessons(tree: Any, personas: Any, client_for: Any) -> None:
    import datetime as dt

    from lianjian.activities import services

    venue = services.venue_create(
        actor=None, name="活动室", region=tree.community_a1, owner_org=tree.org_a1, capacity=20,
        opens_at=dt.time(8), closes_at=dt.time(21),
    )  # fmt: skip
    m = client_for(personas.member)
    assert [v["name"] for v in _api(m, "get", "/activities/venues").json()] == ["活动室"]
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = {"starts_at": f"{day}T09:00:00", "ends_at": f"{day}T10:00:00", "purpose": "学习"}
    r = _api(m, "post", f"/activities/venues/{venue.pk}/bookings", body)
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    assert (
        _api(m, "post", f"/activities/bookings/{bid}/decide", {"action": "approve"}).status_code
        == 403
    )
    s2 = client_for(personas.secretary_a2)
    assert (
        _api(s2, "post", f"/activities/bookings/{bid}/decide", {"action": "approve"}).status_code
        == 404
    )
    s1 = client_for(personas.secretary_a1)
    r = _api(s1, "post", f"/activities/bookings/{bid}/decide", {"action": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = _api(m, "post", f"/activities/venues/{venue.pk}/bookings", body)
    assert r.status_code == 409 and "已被预约" in r.json()["detail"]
    roster = services.roster_create(
        actor=None, name="值守", region=tree.community_a1, posts=["1号"],
        days=[timezone.localdate() + dt.timedelta(days=1)], times=[(dt.time(7), dt.time(9))],
    )  # fmt: skip
    services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    slots = _api(m, "get", f"/activities/rosters/{roster.pk}/slots").json()
    r = _api(m, "post", f"/activities/slots/{slots[0]['id']}/take")
    assert r.status_code == 200
    again = _api(m, "post", f"/activities/slots/{slots[0]['id']}/take")
    assert again.status_code == 409 and "已" in again.json()["detail"]
    assert _api(m, "post", f"/activities/shifts/{r.json()['id']}/release").status_code == 200
    assert _api(s2, "get", f"/activities/rosters/{roster.pk}/slots").status_code == 404


def test_fuzz_objects_helper(tree: Any) -> None:
    from lianjian.activities.tests.fuzz_objects import activities_objects

    ids = activities_objects(tree.community_b1, tree.org_b1, "b")
    assert len(ids) == 9 and all(v > 0 for v in ids.values())


def test_calendar_shows_alliance_meetings_in_scope(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from lianjian.alliances.services import meetings as meeting_services
    from lianjian.alliances.tests.factories import make_world, schedule

    world = make_world(tree)  # the street joint meeting of 虹桥街道, a meeting today
    when = timezone.now() + dt.timedelta(hours=1)
    dropped = schedule(world.body, when, title="已取消的联席会议")
    meeting_services.meeting_cancel(dropped, reason="改期")
    month = timezone.localtime(world.meeting.scheduled_at).strftime("%Y-%m")
    page = client_for(personas.street_staff).get(f"/activities/calendar/?month={month}")
    text = page.content.decode()
    assert world.meeting.title in text and f"/alliances/meetings/{world.meeting.pk}/" in text
    assert "已取消的联席会议" not in text
    # a community secretary of the street has no grant over the street's joint meeting
    other = client_for(personas.secretary_a2).get(f"/activities/calendar/?month={month}")
    assert world.meeting.title not in other.content.decode()
