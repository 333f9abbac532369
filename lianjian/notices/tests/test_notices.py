"""Notices: who receives them, the permission matrix of every page and route, receipts,
pin and withdraw, dates, idempotent publishing, and the audiences extension point."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lianjian.core.models import Notification
from lianjian.notices import selectors, services
from lianjian.notices.models import Notice, NoticeRead

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

# who sees a notice the street publishes to its whole subtree: 200, else 404 (403 with no
# notices permission at all)
STREET_NOTICE = {
    "district_admin": 200,  # manages it: the district's publishing scope covers the street
    "street_staff": 200,
    "secretary_a1": 200,
    "secretary_a2": 200,
    "unit_admin": 200,  # the building's joint branch lies in the street
    "member": 200,
    "merchant": 200,
    "dept_handler": 404,
    "audit_admin": 404,
    "security_admin": 404,
    "outsider": 403,
}


@pytest.fixture
def street_notice(personas: Any, tree: Any) -> Notice:
    return services.notice_publish(
        actor=personas.street_staff,
        title="关于报送年度台账的通知",
        body="请于月底前报送。",
        region=tree.street_a,
        attachments=[SimpleUploadedFile("通知.png", PNG, content_type="image/png")],
    )


def test_matrix_of_the_detail_page_and_api(personas, street_notice, client_for):
    for name, expected in STREET_NOTICE.items():
        client = client_for(getattr(personas, name))
        page = client.get(reverse("notices:detail", args=[street_notice.pk]))
        assert page.status_code == expected, name
        api = client.get(f"/api/v1/notices/{street_notice.pk}")
        assert api.status_code == expected, name
        listed = client.get(reverse("notices:list"))
        if expected == 403:
            assert listed.status_code == 403
        else:
            shown = street_notice.title in listed.content.decode()
            assert shown == (expected == 200 and name != "district_admin"), name


def test_publishing_notifies_recipients_and_checks_scope(personas, tree, street_notice):
    told = set(
        Notification.objects.filter(kind="notices.published").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"secretary_a1", "secretary_a2", "unit_admin", "member", "merchant"}
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            actor=personas.street_staff, title="越权", body="x", region=tree.street_b
        )
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            actor=personas.street_staff, title="", body="x", region=tree.street_a
        )
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            actor=personas.street_staff, title="t", body="x", region=tree.community_a1,
            orgs=[tree.org_a2],
        )  # fmt: skip


def test_narrowed_to_an_organization(personas, tree, client_for):
    notice = services.notice_publish(
        actor=personas.street_staff,
        title="楼宇联席会议",
        body="周五开会",
        region=tree.street_a,
        orgs=[tree.org_building],
    )
    assert client_for(personas.unit_admin).get(f"/api/v1/notices/{notice.pk}").status_code == 200
    for name in ("secretary_a1", "member", "merchant"):
        client = client_for(getattr(personas, name))
        assert client.get(f"/api/v1/notices/{notice.pk}").status_code == 404, name


def test_receipts_share_read_per_organization(personas, tree, street_notice, client_for):
    client_for(personas.secretary_a1).get(reverse("notices:detail", args=[street_notice.pk]))
    client_for(personas.unit_admin).get(f"/api/v1/notices/{street_notice.pk}")
    client_for(personas.unit_admin).get(f"/api/v1/notices/{street_notice.pk}")  # once only
    assert NoticeRead.objects.filter(notice=street_notice).count() == 2
    report = client_for(personas.street_staff).get(f"/api/v1/notices/{street_notice.pk}/receipts")
    data = report.json()
    assert data["recipients"] == 6 and data["read"] == 2
    by_org = {r["name"]: (r["recipients"], r["read"]) for r in data["orgs"]}
    assert by_org["东银中心楼宇联合党支部"] == (1, 1)
    assert by_org["虹储居民区党总支"] == (1, 0)  # the member record's organization
    assert by_org[selectors.OTHER] == (4, 1)
    for name in ("secretary_a1", "member", "audit_admin"):
        client = client_for(getattr(personas, name))
        status = client.get(reverse("notices:receipts", args=[street_notice.pk])).status_code
        assert status == 403, name
    html = (
        client_for(personas.street_staff)
        .get(reverse("notices:receipts", args=[street_notice.pk]))
        .content.decode()
    )
    assert 'id="receipt-read">2<' in html


def test_pin_and_withdraw(personas, tree, street_notice, client_for):
    other = services.notice_publish(
        actor=personas.street_staff, title="第二条", body="x", region=tree.street_a
    )
    member = client_for(personas.member)
    assert member.get("/api/v1/notices").json()["items"][0]["id"] == other.pk
    staff = client_for(personas.street_staff)
    staff.post(reverse("notices:pin", args=[street_notice.pk]), {"pinned": "1"})
    assert member.get("/api/v1/notices").json()["items"][0]["id"] == street_notice.pk
    assert member.post(reverse("notices:withdraw", args=[street_notice.pk])).status_code == 403
    response = client_for(personas.secretary_a1).post(
        f"/api/v1/notices/{street_notice.pk}/withdraw"
    )
    assert response.status_code == 403
    assert (
        staff.post(f"/api/v1/notices/{street_notice.pk}/withdraw").json()["status"] == "withdrawn"
    )
    assert member.get(f"/api/v1/notices/{street_notice.pk}").status_code == 404
    assert staff.get(reverse("notices:detail", args=[street_notice.pk])).status_code == 200
    street_notice.refresh_from_db()
    assert street_notice.status == "withdrawn"


def test_publish_and_expire_dates(personas, tree, client_for):
    now = timezone.now()
    services.notice_publish(
        actor=personas.street_staff, title="未来", body="x", region=tree.street_a,
        publish_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    services.notice_publish(
        actor=personas.street_staff, title="过期", body="x", region=tree.street_a,
        publish_at=now - dt.timedelta(days=3), expire_at=now - dt.timedelta(days=1),
    )  # fmt: skip
    titles = [
        n["title"] for n in client_for(personas.member).get("/api/v1/notices").json()["items"]
    ]
    assert titles == []
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            actor=personas.street_staff, title="t", body="x", region=tree.street_a,
            publish_at=now, expire_at=now - dt.timedelta(hours=1),
        )  # fmt: skip


def test_api_publish_is_idempotent_and_scoped(personas, tree, client_for):
    staff = client_for(personas.street_staff)
    body = {"title": "API 通知", "body": "正文", "region": tree.street_a.pk}
    key = {"HTTP_IDEMPOTENCY_KEY": "k1"}
    first = staff.post("/api/v1/notices", body, content_type="application/json", **key)
    again = staff.post("/api/v1/notices", body, content_type="application/json", **key)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Notice.objects.filter(title="API 通知").count() == 1
    outside = {**body, "region": tree.street_b.pk}
    assert (
        staff.post("/api/v1/notices", outside, content_type="application/json").status_code == 404
    )
    member = client_for(personas.member)
    assert member.post("/api/v1/notices", body, content_type="application/json").status_code == 403


def test_form_publishes_once_and_attachment_downloads_for_recipients(
    personas, tree, client_for, street_notice
):
    staff = client_for(personas.street_staff)
    form = staff.get(reverse("notices:create")).content.decode()
    assert 'name="idempotency_key"' in form
    data = {
        "title": "表单通知",
        "body": "正文",
        "region": tree.street_a.pk,
        "idempotency_key": "f1",
    }
    assert staff.post(reverse("notices:create"), data).status_code == 302
    assert staff.post(reverse("notices:create"), data).status_code == 302
    assert Notice.objects.filter(title="表单通知").count() == 1
    bad = staff.post(reverse("notices:create"), {**data, "title": "", "idempotency_key": "f2"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    token = street_notice.attachments.get().token
    url = reverse("notices:attachment", args=[token])
    assert client_for(personas.member).get(url).status_code == 200
    assert client_for(personas.audit_admin).get(url).status_code == 404


def test_audiences_extension_reaches_users_outside_the_region(
    personas, tree, client_for, monkeypatch
):
    notice = services.notice_publish(
        actor=personas.street_staff,
        title="联盟通知",
        body="x",
        region=tree.community_a1,
        audiences=["alliance:7"],
    )
    assert client_for(personas.secretary_a2).get(f"/api/v1/notices/{notice.pk}").status_code == 404
    monkeypatch.setattr(
        selectors,
        "extension",
        lambda point: [lambda u: ["alliance:7"] if u.username == "secretary_a2" else []],
    )
    assert client_for(personas.secretary_a2).get(f"/api/v1/notices/{notice.pk}").status_code == 200


def test_home_card_counts_unread(personas, street_notice, client_for):
    html = client_for(personas.member).get(reverse("portal:home")).content.decode()
    assert 'id="card-notices-unread"' in html and street_notice.title[:10] in html
    client_for(personas.member).get(reverse("notices:detail", args=[street_notice.pk]))
    card = selectors.notices_for(personas.member, unread=True).count()
    assert card == 0
