"""The Party school: a lecture completed by check-in, an e-lesson by finishing it, once each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.models import Completion
from lianjian.activities.services import ActivityError
from lianjian.activities.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_lecture_checkin_and_e_lesson_complete(tree: Any, personas: Any, client_for: Any) -> None:
    course = services.course_create(actor=None, title="社区党校专题", organizer_org=tree.org_a1)
    lecture = services.lecture_add(
        course, actor=None, title="社会基层治理", teacher="周东华",
        starts_at=timezone.now() + dt.timedelta(minutes=10), minutes=90, place="社区党校",
    )  # fmt: skip
    with pytest.raises(ActivityError, match="不是允许的文件类型"):
        services.e_lesson_add(
            course, actor=None, title="5分钟电子党课", body="内容",
            video=SimpleUploadedFile("a.mp4", b"not a video at all"),
        )  # fmt: skip
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    e_lesson = services.e_lesson_add(
        course, actor=None, title="5分钟电子党课", body="学习党章第一章",
        video=SimpleUploadedFile("x.mp4", mp4),
    )  # fmt: skip
    v = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一",
        member=tree.member_a1, consent=True,
    )  # fmt: skip
    assert lecture.event is not None
    services.checkin_by_token(lecture.event.checkin_token, v, actor=None)
    with pytest.raises(ActivityError, match="签到"):
        services.e_lesson_complete(lecture, v)
    c = client_for(personas.member)
    page = c.get(f"/activities/school/lessons/{e_lesson.pk}/")
    assert page.status_code == 200 and "学习党章" in page.content.decode()
    c.post(f"/activities/school/lessons/{e_lesson.pk}/")
    c.post(f"/activities/school/lessons/{e_lesson.pk}/")  # once
    assert c.get(f"/activities/school/lessons/{e_lesson.pk}/video/").status_code == 200
    assert Completion.objects.filter(volunteer=v).count() == 2
    assert "社会基层治理" in c.get("/activities/school/").content.decode()
    other = make_volunteer(tree.community_a1, member=tree.member_a2)
    assert other.pk
    report = client_for(personas.street_staff).get("/activities/school/report/").content.decode()
    assert "虹储居民区党总支" in report and "100.0%" in report and "0.0%" in report
    assert client_for(personas.merchant).get("/activities/school/").status_code == 403
