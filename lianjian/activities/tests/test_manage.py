"""Staff create and edit venues and Party-school courses and lessons on desk pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.models import Course, Lesson, Venue

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def _api(c: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(c, method)(
        "/api/v1" + url, data=json.dumps(body) if body is not None else None,
        content_type="application/json",
    )  # fmt: skip


def test_venue_pages_create_and_edit(tree: Any, personas: Any, client_for: Any) -> None:
    staff = client_for(personas.secretary_a1)
    assert 'id="venue-new"' in staff.get("/activities/venues/").content.decode()
    assert staff.get("/activities/venues/new/").status_code == 200
    # closing before opening: the service's message, nothing written
    r = staff.post(
        "/activities/venues/new/",
        {"name": "党群服务站", "region": tree.community_a1.pk, "capacity": 30,
         "opens_at": "21:00", "closes_at": "08:00", "is_active": "on"},
    )  # fmt: skip
    assert r.status_code == 200 and "关闭时间应晚于开放时间" in r.content.decode()
    assert not Venue.objects.exists()
    # a community the secretary does not manage is no choice
    r = staff.post(
        "/activities/venues/new/",
        {"name": "党群服务站", "region": tree.community_a2.pk, "capacity": 30,
         "opens_at": "08:00", "closes_at": "21:00"},
    )  # fmt: skip
    assert r.status_code == 200 and not Venue.objects.exists()
    r = staff.post(
        "/activities/venues/new/",
        {"name": "党群服务站", "region": tree.community_a1.pk, "owner_org": tree.org_a1.pk,
         "capacity": 30, "opens_at": "08:00", "closes_at": "21:00", "is_active": "on"},
    )  # fmt: skip
    venue = Venue.objects.get()
    assert r.status_code == 302 and venue.community_id == tree.community_a1.pk
    assert venue.owner_org == tree.org_a1 and venue.capacity == 30
    assert 'id="venue-edit"' in staff.get(f"/activities/venues/{venue.pk}/").content.decode()
    r = staff.post(
        f"/activities/venues/{venue.pk}/edit/",
        {"name": "党群服务站（二楼）", "capacity": 40, "opens_at": "09:00", "closes_at": "20:00"},
    )
    venue.refresh_from_db()
    assert (venue.name, venue.capacity, venue.opens_at, venue.is_active) == (
        "党群服务站（二楼）", 40, dt.time(9), False,
    )  # fmt: skip
    # the sibling community's secretary and a member: 404/403, nothing changes
    other = client_for(personas.secretary_a2)
    assert other.get(f"/activities/venues/{venue.pk}/edit/").status_code == 404
    other.post(f"/activities/venues/{venue.pk}/edit/", {"name": "x", "capacity": 1,
               "opens_at": "08:00", "closes_at": "09:00"})  # fmt: skip
    assert client_for(personas.member).get("/activities/venues/new/").status_code == 403
    venue.refresh_from_db()
    assert venue.name == "党群服务站（二楼）"


def test_course_pages_create_edit_and_lessons(
    tree: Any, personas: Any, client_for: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    staff = client_for(personas.secretary_a1)
    assert 'id="course-new"' in staff.get("/activities/school/").content.decode()
    r = staff.post(
        "/activities/school/courses/new/",
        {"title": "社区党校 2026 春季班", "organizer_org": tree.org_a1.pk, "is_open": "on"},
    )
    course = Course.objects.get()
    assert r.status_code == 302 and course.is_open
    url = f"/activities/school/courses/{course.pk}/"
    staff.post(url, {"action": "course", "c-title": "社区党校春季班", "c-description": "四讲"})
    course.refresh_from_db()
    assert (course.title, course.description, course.is_open) == ("社区党校春季班", "四讲", False)
    start = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    staff.post(
        url,
        {"action": "lecture", "l-title": "党的二十大精神", "l-teacher": "王教授",
         "l-starts_at": start, "l-minutes": 90, "l-place": "党群服务中心"},
    )  # fmt: skip
    lecture = Lesson.objects.get(kind="lecture")
    assert lecture.event is not None and lecture.event.kind == "lecture"
    # an e-lesson with a video that is no MP4: refused with the attachment message
    r = staff.post(
        url,
        {"action": "e_lesson", "e-title": "5分钟电子党课", "e-body": "内容", "e-minutes": 5,
         "e-video": SimpleUploadedFile("a.mp4", b"not a video", content_type="video/mp4")},
    )  # fmt: skip
    assert r.status_code == 200 and "MP4" in r.content.decode()
    staff.post(
        url,
        {"action": "e_lesson", "e-title": "5分钟电子党课", "e-body": "内容", "e-minutes": 5,
         "e-video": SimpleUploadedFile("a.mp4", MP4, content_type="video/mp4")},
    )  # fmt: skip
    e_lesson = Lesson.objects.get(kind="e_lesson")
    assert e_lesson.video and e_lesson.order == 2
    page = staff.get(url).content.decode()
    assert "党的二十大精神" in page and "含视频" in page
    other = client_for(personas.secretary_a2)
    assert other.get(url).status_code == 404
    other.post(url, {"action": "course", "c-title": "改名"})
    course.refresh_from_db()
    assert course.title == "社区党校春季班"
    assert client_for(personas.member).get("/activities/school/courses/new/").status_code == 403


def test_venue_and_course_api(tree: Any, personas: Any, client_for: Any) -> None:
    staff = client_for(personas.secretary_a1)
    body = {"name": "活动室", "region_id": tree.community_a1.pk, "capacity": 20,
            "opens_at": "08:00", "closes_at": "21:00"}  # fmt: skip
    assert _api(staff, "post", "/activities/venues", {**body, "opens_at": 3600}).status_code == 422
    r = _api(staff, "post", "/activities/venues", {**body, "closes_at": "07:00"})
    assert r.status_code == 400 and r.json()["field"] == "closes_at"
    r = _api(staff, "post", "/activities/venues", {**body, "region_id": tree.community_a2.pk})
    assert r.status_code == 400 and r.json()["field"] == "region_id"
    r = _api(staff, "post", "/activities/venues", body)
    assert r.status_code == 201 and r.json()["opens_at"] == "08:00:00"
    vid = r.json()["id"]
    update = {"name": "活动室", "capacity": 25, "opens_at": "08:30", "closes_at": "21:00",
              "is_active": False}  # fmt: skip
    other = client_for(personas.secretary_a2)
    assert _api(other, "put", f"/activities/venues/{vid}", update).status_code == 404
    r = _api(staff, "put", f"/activities/venues/{vid}", update)
    assert r.status_code == 200 and r.json()["capacity"] == 25 and r.json()["is_active"] is False
    r = _api(
        staff, "post", "/activities/courses", {"title": "党课", "organizer_org_id": tree.org_b1.pk}
    )
    assert r.status_code == 404
    r = _api(
        staff, "post", "/activities/courses", {"title": "党课", "organizer_org_id": tree.org_a1.pk}
    )
    assert r.status_code == 201 and r.json()["lessons"] == 0
    cid = r.json()["id"]
    assert _api(other, "put", f"/activities/courses/{cid}", {"title": "改"}).status_code == 404
    r = _api(staff, "put", f"/activities/courses/{cid}", {"title": "党课（春）", "is_open": False})
    assert r.status_code == 200 and r.json()["title"] == "党课（春）"
    assert Course.objects.get(pk=cid).is_open is False
    assert services is not None
