"""After the event: the organizer's summary and photos (checked by `core.attachments`),
shown on the event's pages and served only to who may see the event."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianjian.activities import services
from lianjian.activities.models import EventPhoto
from lianjian.activities.services import ActivityError
from lianjian.activities.services.events import MAX_EVENT_PHOTOS
from lianjian.activities.tests.factories import make_event

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _photo(name: str = "现场.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_report_rules(tree: Any, personas: Any) -> None:
    later = make_event(tree.community_a1, organizer_org=tree.org_a1)
    with pytest.raises(ActivityError, match="尚未开始"):
        services.event_report(later, actor=personas.secretary_a1, summary="提前写")
    held = make_event(
        tree.community_a1, organizer_org=tree.org_a1, starts_in=-dt.timedelta(hours=3)
    )
    with pytest.raises(ActivityError, match="小结或上传照片"):
        services.event_report(held, actor=personas.secretary_a1, summary="")
    # not an image by its bytes (the name says png): refused, nothing written
    with pytest.raises(ActivityError, match="不是图片") as err:
        services.event_report(
            held, actor=personas.secretary_a1, summary="巡河", photos=[_photo(data=b"MZ" * 40)]
        )
    assert err.value.field == "photos"
    held.refresh_from_db()
    assert (held.status, held.summary, held.photos.count()) == ("published", "", 0)
    services.event_report(
        held, actor=personas.secretary_a1, summary="清理河道 2 公里", photos=[_photo(), _photo()]
    )
    held.refresh_from_db()
    assert (held.status, held.summary, held.photos.count()) == ("done", "清理河道 2 公里", 2)
    photo = held.photos.first()
    assert photo is not None and photo.content_type == "image/png"
    assert photo.file.name.endswith(f"{photo.token}.png") and "现场" not in photo.file.name
    # a held event takes more photos up to the cap; the summary is kept when not given
    with pytest.raises(ActivityError, match=str(MAX_EVENT_PHOTOS)):
        services.event_report(
            held, actor=None, photos=[_photo() for _ in range(MAX_EVENT_PHOTOS - 1)]
        )
    services.event_report(held, actor=None, photos=[_photo()])
    held.refresh_from_db()
    assert (held.summary, held.photos.count()) == ("清理河道 2 公里", 3)
    services.event_cancel(later, actor=None)
    with pytest.raises(ActivityError, match="已取消"):
        services.event_report(later, actor=None, summary="x")


def test_report_page_photo_serving_and_api(tree: Any, personas: Any, client_for: Any) -> None:
    held = make_event(
        tree.community_a1, organizer_org=tree.org_a1, starts_in=-dt.timedelta(hours=3),
        audience="community",
    )  # fmt: skip
    staff = client_for(personas.secretary_a1)
    assert 'id="event-report"' in staff.get(f"/activities/events/{held.pk}/").content.decode()
    # the sibling community's secretary cannot write it: 404, nothing changes
    other = client_for(personas.secretary_a2)
    r = other.post(f"/activities/events/{held.pk}/report/", {"summary": "x", "photos": [_photo()]})
    assert r.status_code == 404
    r = other.post(f"/api/v1/activities/events/{held.pk}/report", {"summary": "x"})
    assert r.status_code == 404
    assert EventPhoto.objects.count() == 0
    staff.post(
        f"/activities/events/{held.pk}/report/", {"summary": "共 12 人参加", "photos": [_photo()]}
    )
    held.refresh_from_db()
    assert held.status == "done" and held.summary == "共 12 人参加"
    photo = held.photos.get()
    page = staff.get(f"/activities/events/{held.pk}/").content.decode()
    assert "共 12 人参加" in page and photo.token in page
    # a member of the community sees the summary and the photo on the phone page
    member = client_for(personas.member)
    page = member.get(f"/activities/m/events/{held.pk}/").content.decode()
    assert "共 12 人参加" in page and photo.token in page
    r = member.get(f"/activities/photos/{photo.token}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content).startswith(b"\x89PNG")
    # who may not see the event gets 404 for its photo
    merchant = client_for(personas.merchant)
    assert merchant.get(f"/activities/photos/{photo.token}/").status_code in (403, 404)
    assert other.get(f"/activities/photos/{photo.token}/").status_code == 404
    assert staff.get("/activities/photos/nope/").status_code == 404
    # the API: a multipart body with more photos; a bad file is a 400 naming the field
    url = f"/api/v1/activities/events/{held.pk}/report"
    r = staff.post(url, {"photos": [_photo(data=b"%PDF-1.4 not a photo")]})
    assert r.status_code == 400 and r.json()["field"] == "photos"
    r = staff.post(url, {"photos": [_photo(), _photo()]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "done" and body["summary"] == "共 12 人参加"
    assert len(body["photos"]) == 3 and body["photos"][0]["url"].startswith("/activities/photos/")
    assert client_for(personas.member).post(url, {"summary": "x"}).status_code == 403
