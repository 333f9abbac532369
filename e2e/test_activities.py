"""End-to-end at phone size: an organizer publishes an event starting now; a member signs up,
checks in through the event's QR page, logs extra hours; the organizer verifies both and the
member's yearly total moves by exactly those hours; the organizer's summary after the event
shows on the member's phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
TITLE = "端到端测试·社区巡河志愿服务"


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _total(page: Any, server: DemoServer) -> Decimal:
    page.goto(server.url + "/activities/m/")
    return Decimal(page.inner_text("#year-total").strip())


def test_member_signs_up_checks_in_logs_hours_and_totals_move(
    page: Any, browser: Any, demo_server: DemoServer
) -> None:
    member = _phone(browser)
    login(member, demo_server, "demo_member")
    before = _total(member, demo_server)

    # the community secretary publishes a two-hour event starting now
    organizer = _phone(browser)
    login(organizer, demo_server, "demo_hongchu")
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    organizer.goto(demo_server.url + "/activities/events/new/")
    organizer.select_option("#id_kind", "service")
    organizer.fill("#id_title", TITLE)
    organizer.select_option("#id_organizer_org", label="虹储居民区党总支")
    organizer.fill("#id_starts_at", (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    organizer.fill("#id_ends_at", (now + dt.timedelta(minutes=115)).strftime("%Y-%m-%dT%H:%M"))
    organizer.select_option("#id_audience", "public")
    organizer.fill("#id_capacity", "10")
    organizer.fill(
        "#id_signup_deadline", (now + dt.timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M")
    )
    organizer.click("form.stacked button[type=submit]")
    organizer.wait_for_load_state("networkidle")
    assert "活动已创建" in organizer.inner_text("body")
    event_url = organizer.url
    checkin_url = organizer.get_attribute("#checkin-url", "href")
    assert checkin_url and "/activities/checkin/" in checkin_url

    # the member finds it on the phone home and signs up
    member.goto(demo_server.url + "/activities/m/")
    member.click(f".act-list a.act-item:has-text('{TITLE}')")
    member.click("#signup-button")
    member.wait_for_load_state("networkidle")
    assert "报名成功" in member.inner_text("body")
    heights = member.eval_on_selector_all(
        ".act-phone button, .act-phone .button",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= 44
    # scanning the QR code opens the check-in page
    member.goto(checkin_url)
    member.click("#checkin-button")
    member.wait_for_load_state("networkidle")
    assert "签到成功" in member.inner_text("body")
    assert member.is_visible("#checked-in")
    ARTIFACTS.mkdir(exist_ok=True)
    member.screenshot(path=str(ARTIFACTS / "activities-checkin-375.png"), full_page=True)
    # extra service outside the event, logged by hand
    member.goto(demo_server.url + "/activities/me/hours/log/")
    member.fill("#id_on", now.date().isoformat())
    member.fill("#id_hours", "1.5")
    member.fill("#id_description", "端到端测试·助老陪护")
    member.click("#log-submit")
    member.wait_for_load_state("networkidle")
    assert "等待组织者审核" in member.inner_text("body")
    assert _total(member, demo_server) == before  # nothing counts before verification

    # the organizer sees the attendance and verifies both records
    organizer.reload()
    assert "扫活动码" in organizer.inner_text("#attendance")
    organizer.goto(demo_server.url + "/activities/hours/")
    for text in ("端到端测试·助老陪护", TITLE):
        organizer.click(f"#hours-queue tr:has-text('{text}') button[value=verify]")
        organizer.wait_for_load_state("networkidle")
        assert "已审核" in organizer.inner_text("body")

    assert _total(member, demo_server) == before + Decimal("2.0") + Decimal("1.5")
    member.goto(demo_server.url + "/activities/me/hours/")
    assert "已认定" in member.inner_text("body")

    # after the event the organizer writes its summary; the member reads it on the phone
    organizer.goto(event_url)
    organizer.fill("#summary", "端到端测试·清理河道两公里")
    organizer.click("#event-report button[type=submit]")
    organizer.wait_for_load_state("networkidle")
    assert "活动小结和照片已保存" in organizer.inner_text("body")
    member.goto(event_url.replace("/activities/events/", "/activities/m/events/"))
    assert "端到端测试·清理河道两公里" in member.inner_text("#event-summary")
