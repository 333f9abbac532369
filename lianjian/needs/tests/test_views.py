"""Pages and API: permission matrix per persona, public form, tracking, idempotency, stats."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from lianjian.needs import services as S
from lianjian.needs.models import Need, NeedAttachment, Status

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def need_a1(world: Any, submit: Any) -> Need:
    return submit()


@pytest.fixture
def dispatched_a1(world: Any, personas: Any, need_a1: Need) -> Need:
    return S.need_dispatch(
        need_a1.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )


LIST_MATRIX = {
    "district_admin": 200,
    "street_staff": 200,
    "secretary_a1": 200,
    "secretary_a2": 200,
    "dept_handler": 200,
    "unit_admin": 403,
    "member": 403,
    "merchant": 403,
    "outsider": 403,
    "audit_admin": 403,
}
# who sees a dispatched need located in community a1, routed to civil-affairs
DETAIL_MATRIX = {
    "district_admin": 200,
    "street_staff": 200,
    "secretary_a1": 200,
    "secretary_a2": 404,
    "dept_handler": 200,
    "unit_admin": 403,
    "member": 403,
    "outsider": 403,
}


@pytest.mark.parametrize("who, status", LIST_MATRIX.items())
def test_list_matrix(
    personas: Any, client_for: Any, dispatched_a1: Need, who: str, status: int
) -> None:
    resp = client_for(getattr(personas, who)).get("/needs/")
    assert resp.status_code == status
    if status == 200:
        visible = dispatched_a1.tracking_code in resp.content.decode()
        assert visible == (who != "secretary_a2")


@pytest.mark.parametrize("who, status", DETAIL_MATRIX.items())
def test_detail_matrix(
    personas: Any, client_for: Any, dispatched_a1: Need, who: str, status: int
) -> None:
    resp = client_for(getattr(personas, who)).get(f"/needs/{dispatched_a1.pk}/")
    assert resp.status_code == status
    if status == 200:
        body = resp.content.decode()
        assert "138****5678" in body and "13812345678" not in body


def test_handler_sees_only_own_department(
    world: Any, personas: Any, client_for: Any, submit: Any
) -> None:
    other = submit(text="想借用社区活动室开展读书会")
    S.need_dispatch(
        other.pk,
        actor=personas.street_staff,
        category=world.sports,
        department=world.sports.department,
    )
    c = client_for(personas.dept_handler)
    assert c.get(f"/needs/{other.pk}/").status_code == 404
    assert other.tracking_code not in c.get("/needs/").content.decode()


def test_out_of_scope_action_is_404_and_nothing_changes(
    personas: Any, client_for: Any, need_a1: Need, world: Any
) -> None:
    resp = client_for(personas.secretary_a2).post(
        f"/needs/{need_a1.pk}/dispatch/",
        {"category": world.charity.pk, "department": world.civil.pk},
    )
    assert resp.status_code == 404
    need_a1.refresh_from_db()
    assert need_a1.status == Status.RECEIVED and need_a1.version == 1


def test_dispatch_handle_reply_through_pages(
    personas: Any, client_for: Any, need_a1: Need, world: Any
) -> None:
    staff = client_for(personas.street_staff)
    page = staff.get(f"/needs/{need_a1.pk}/").content.decode()
    assert "确认派单" in page
    resp = staff.post(
        f"/needs/{need_a1.pk}/dispatch/",
        {"category": world.charity.pk, "department": world.civil.pk, "version": 1},
    )
    assert resp.status_code == 302
    # a second dispatcher working from the same stale page is told someone else won
    other = client_for(personas.district_admin)
    resp = other.post(
        f"/needs/{need_a1.pk}/dispatch/",
        {"category": world.sports.pk, "department": world.sports.department_id, "version": 1},
        follow=True,
    )
    assert "该需求已被他人处理，请刷新后重试" in resp.content.decode()
    need_a1.refresh_from_db()
    assert need_a1.department_id == world.civil.pk
    handler = client_for(personas.dept_handler)
    handler.post(f"/needs/{need_a1.pk}/accept/", {"version": need_a1.version})
    handler.post(
        f"/needs/{need_a1.pk}/reply/", {"version": need_a1.version + 1, "reply_text": "已安排社工"}
    )
    need_a1.refresh_from_db()
    assert need_a1.status == Status.REPLIED and need_a1.reply_text == "已安排社工"


def test_public_submit_track_and_rate(world: Any, tree: Any, personas: Any) -> None:
    c = Client()
    form_page = c.get("/needs/submit/")
    assert form_page.status_code == 200 and "虹储居民区" in form_page.content.decode()
    resp = c.post(
        "/needs/submit/",
        {
            "text": "希望在楼宇里组织白领交友联谊活动",
            "region": tree.building_a.pk,
            "submitter_kind": "person",
            "submitter_name": "李先生",
            "contact_phone": "13900001111",
            "attachments": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    assert resp.status_code == 200
    need = Need.objects.get()
    assert need.channel == "online" and need.area_id == tree.building_a.pk
    assert NeedAttachment.objects.get(need=need).content_type == "image/png"
    assert need.tracking_code in resp.content.decode()
    track = c.get(f"/needs/track/?code={need.tracking_code.lower()}")
    assert track.status_code == 302
    page = c.get(f"/needs/track/{need.tracking_code}/").content.decode()
    assert "已受理" in page and "13900001111" not in page and "提交评价" not in page
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="下月举办联谊会")
    page = c.get(f"/needs/track/{need.tracking_code}/").content.decode()
    assert "下月举办联谊会" in page and "提交评价" in page
    resp = c.post(f"/needs/track/{need.tracking_code}/", {"rating": "satisfied", "comment": "好"})
    assert resp.status_code == 302
    need.refresh_from_db()
    assert need.status == Status.RATED and need.rating == "satisfied"
    assert c.get("/needs/track/NOSUCHCODE/").status_code == 404


def test_public_submit_rejects_disguised_file(tree: Any, world: Any) -> None:
    resp = Client().post(
        "/needs/submit/",
        {
            "text": "附件测试",
            "region": tree.community_a1.pk,
            "submitter_kind": "anonymous",
            "attachments": SimpleUploadedFile("evil.png", b"MZ\x90\x00binary", "image/png"),
        },
    )
    assert resp.status_code == 200
    assert "不是图片或 PDF 文件" in resp.content.decode()
    assert Need.objects.count() == 0 and NeedAttachment.objects.count() == 0


def test_public_submit_rate_limited(tree: Any, world: Any) -> None:
    c = Client(REMOTE_ADDR="10.1.2.3")
    data = {
        "text": "路灯坏了",
        "region": tree.community_a1.pk,
        "submitter_kind": "anonymous",
    }
    codes = [c.post("/needs/submit/", data).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    last = c.post("/needs/submit/", data)
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert Need.objects.count() == 5
    # another address is not affected
    assert Client(REMOTE_ADDR="10.9.9.9").post("/needs/submit/", data).status_code == 200


def test_merged_need_tracking_follows_main(world: Any, personas: Any, submit: Any) -> None:
    main, dup = submit(), submit(text="老人困难帮扶")
    S.need_merge(dup.pk, into=main, actor=personas.street_staff)
    S.need_dispatch(
        main.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    S.need_reply(main.pk, actor=personas.dept_handler, reply_text="统一答复")
    page = Client().get(f"/needs/track/{dup.tracking_code}/").content.decode()
    assert "统一答复" in page and "合并" in page


def test_staff_intake_warns_on_similar(
    personas: Any, client_for: Any, world: Any, tree: Any, submit: Any
) -> None:
    submit(text="小区独居老人生活困难希望帮扶")
    c = client_for(personas.secretary_a1)
    data = {
        "channel": "window",
        "text": "小区独居老人生活困难希望帮扶",
        "region": tree.community_a1.pk,
        "submitter_kind": "person",
        "submitter_name": "赵女士",
        "contact_phone": "13700002222",
    }
    resp = c.post("/needs/new/", data)
    assert resp.status_code == 200 and "相似的在办需求" in resp.content.decode()
    assert Need.objects.count() == 1
    resp = c.post("/needs/new/", {**data, "confirm_similar": "1"})
    assert resp.status_code == 302
    assert Need.objects.count() == 2
    assert client_for(personas.dept_handler).get("/needs/new/").status_code == 403


# ---------------------------------------------------------------- API


def test_api_create_is_idempotent(personas: Any, client_for: Any, tree: Any, world: Any) -> None:
    c = client_for(personas.street_staff)
    body = json.dumps(
        {
            "channel": "hotline",
            "text": "企业咨询人才公寓申请政策",
            "region": tree.community_a1.pk,
            "contact_phone": "13600003333",
        }
    )
    first = c.post(
        "/api/v1/needs", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = c.post(
        "/api/v1/needs", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["contact_phone"] == "136****3333"
    assert Need.objects.count() == 1
    other = c.post(
        "/api/v1/needs", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 201 and Need.objects.count() == 2


def test_api_refusals_write_nothing(personas: Any, client_for: Any, tree: Any, world: Any) -> None:
    body = {"text": "x", "region": tree.community_b1.pk, "contact_phone": "13600003333"}
    c = client_for(personas.street_staff)
    resp = c.post("/api/v1/needs", json.dumps(body), content_type="application/json")
    assert resp.status_code == 400 and "范围" in resp.json()["detail"]
    resp = c.post(
        "/api/v1/needs",
        json.dumps({**body, "region": tree.community_a1.pk, "contact_phone": "123"}),
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["field"] == "contact_phone"
    resp = client_for(personas.dept_handler).post(
        "/api/v1/needs", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 403
    assert Need.objects.count() == 0


def test_api_list_and_detail_scoped(personas: Any, client_for: Any, dispatched_a1: Need) -> None:
    a1 = client_for(personas.secretary_a1).get("/api/v1/needs").json()
    assert a1["count"] == 1 and a1["items"][0]["tracking_code"] == dispatched_a1.tracking_code
    assert client_for(personas.secretary_a2).get("/api/v1/needs").json()["count"] == 0
    assert (
        client_for(personas.secretary_a2).get(f"/api/v1/needs/{dispatched_a1.pk}").status_code
        == 404
    )
    assert (
        client_for(personas.dept_handler).get(f"/api/v1/needs/{dispatched_a1.pk}").status_code
        == 200
    )


# ---------------------------------------------------------------- stats, export, config


def test_stats_page_and_export(
    personas: Any, client_for: Any, dispatched_a1: Need, world: Any
) -> None:
    S.need_reply(dispatched_a1.pk, actor=personas.dept_handler, reply_text="好")
    S.need_rate_by_code(dispatched_a1.tracking_code, rating="basic")
    c = client_for(personas.street_staff)
    page = c.get("/needs/stats/?by=department")
    assert page.status_code == 200
    body = page.content.decode()
    assert "民政办" in body and 'data-chart="needs-chart"' in body
    export = c.get("/needs/stats.xlsx?by=department")
    assert export.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(wb.active.values)
    assert rows[0][0] == "分组"
    civil = next(r for r in rows if r[0] == "民政办")
    assert civil[1:4] == (1, 1, 1) and civil[9] == 100.0
    assert client_for(personas.member).get("/needs/stats/").status_code == 403


def test_stats_period_malformed_or_reversed_says_so_and_shows_this_month(
    personas: Any, client_for: Any, world: Any
) -> None:
    """A typed URL with a bad day is not silently replaced by the default period."""
    import datetime as dt

    from django.utils import timezone

    c = client_for(personas.street_staff)
    first = timezone.localdate().replace(day=1).isoformat()
    for query, message in (
        ("start=2025-13-01", "开始日期格式应为 YYYY-MM-DD"),
        ("start=2025-06-01&end=2025-05-01", "开始日期不能晚于结束日期"),
    ):
        page = c.get(f"/needs/stats/?{query}")
        assert page.status_code == 200
        body = page.content.decode()
        assert message in body and f'name="start" value="{first}"' in body
    fine = c.get("/needs/stats/?start=2025-05-01&end=2025-06-01").content.decode()
    assert "msg-error" not in fine and 'value="2025-05-01"' in fine
    assert dt.date.fromisoformat(first).day == 1


def test_config_pages_permissions(personas: Any, client_for: Any, world: Any, tree: Any) -> None:
    staff = client_for(personas.street_staff)
    assert staff.get("/needs/config/").status_code == 200
    resp = staff.post(
        "/needs/config/",
        {
            "what": "category",
            "street": tree.street_a.pk,
            "cat-name": "法律援助",
            "cat-department": world.civil.pk,
            "cat-deadline_workdays": 4,
        },
    )
    assert resp.status_code == 302
    from lianjian.needs.models import Category

    assert (
        Category.objects.get(street=tree.street_a, name="法律援助").department_id == world.civil.pk
    )
    # street staff may not edit another street even when naming it
    staff.post(
        "/needs/config/",
        {
            "what": "category",
            "street": tree.street_b.pk,
            "cat-name": "越权",
            "cat-deadline_workdays": 3,
        },
    )
    assert not Category.objects.filter(street=tree.street_b, name="越权").exists()
    assert client_for(personas.secretary_a1).get("/needs/config/").status_code == 403
    # street staff keep their street's own days (issue 10: this page answered them 403)
    assert staff.get("/needs/calendar/").status_code == 200
    admin = client_for(personas.district_admin)
    resp = admin.post("/needs/calendar/", {"date": "2025-10-01", "kind": "holiday", "note": "国庆"})
    assert resp.status_code == 302
    from lianjian.needs.models import CalendarDay

    assert CalendarDay.objects.get(note="国庆").is_workday is False


def test_catalogue_lists_six_conveniences(personas: Any, client_for: Any, world: Any) -> None:
    body = client_for(personas.street_staff).get("/needs/catalogue/").content.decode()
    for name in ("融资便利", "午餐便利", "培训便利", "法律便利", "卫生保健便利", "沟通交流便利"):
        assert name in body


def test_api_list_counts_only_so_far_past_the_page(
    personas: Any, client_for: Any, submit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A district's needs are not all counted for every page: `count_capped` says "more"."""
    from lianjian.core import paging

    monkeypatch.setattr(paging, "COUNT_AHEAD", 2)
    for _ in range(7):
        submit()
    c = client_for(personas.street_staff)
    first = c.get("/api/v1/needs", {"limit": 2}).json()
    assert len(first["items"]) == 2 and (first["count"], first["count_capped"]) == (4, True)
    last = c.get("/api/v1/needs", {"limit": 2, "offset": 6}).json()
    assert len(last["items"]) == 1 and (last["count"], last["count_capped"]) == (7, False)
    middle = c.get("/api/v1/needs", {"limit": 2, "offset": 2}).json()
    assert (middle["count"], middle["count_capped"]) == (6, True)
    everything = c.get("/api/v1/needs", {"limit": 20}).json()
    assert (everything["count"], everything["count_capped"]) == (7, False)


def test_list_page_counts_only_so_far_past_the_page(
    personas: Any, client_for: Any, submit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staff list of a district's needs is not counted whole on every page ("N+")."""
    from lianjian.core import paging
    from lianjian.needs import views

    monkeypatch.setattr(paging, "COUNT_AHEAD", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    needs = [submit(text=f"第{i}号需求：路灯不亮需要维修") for i in range(7)]
    newest = [n.pk for n in reversed(needs)]
    c = client_for(personas.street_staff)
    first = c.get("/needs/")
    page = first.context["page"]
    assert [n.pk for n in page.object_list] == newest[:2]
    assert page.paginator.capped and page.paginator.count == 4
    assert "共 4+ 条" in first.content.decode() and page.has_next()
    third = c.get("/needs/", {"page": 3}).context["page"]
    assert [n.pk for n in third.object_list] == newest[4:6]
    assert third.paginator.count == 7 and not third.paginator.capped
    last = c.get("/needs/", {"page": 99}).context["page"]
    assert last.number == 4 and [n.pk for n in last.object_list] == newest[6:]
