"""End-to-end, the job board's main path: the street approves a posting, a resident applies on
a phone, the recruiter takes the application to hired on a phone, and the street's count moves."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _hires(page: Any, server: DemoServer) -> int:
    page.goto(server.url + "/jobs/report/")
    return int(page.inner_text("#hires-total").strip())


def test_resident_applies_recruiter_hires_and_the_street_counts_it(
    page: Any, browser: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_street")
    before = _hires(page, demo_server)
    page.goto(demo_server.url + "/jobs/review/")
    page.click("text=行政文员")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert "审核完成" in page.inner_text("body")

    resident = _phone(browser)
    login(resident, demo_server, "demo_member")
    resident.goto(demo_server.url + "/jobs/")
    resident.click(".job-list a.job:has-text('行政文员')")
    resident.click("text=投递简历")
    resident.wait_for_load_state("networkidle")
    assert "投递成功" in resident.inner_text("body")
    ARTIFACTS.mkdir(exist_ok=True)
    resident.screenshot(path=str(ARTIFACTS / "jobs-resident-375.png"), full_page=True)
    # tap targets of the phone pages: at least 44 px high
    heights = resident.eval_on_selector_all(
        ".job-list a.job", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44

    recruiter = _phone(browser)
    login(recruiter, demo_server, "demo_recruiter")
    recruiter.goto(demo_server.url + "/jobs/postings/")
    recruiter.click(".job-list a.job:has-text('行政文员')")
    recruiter.click(".job-list a.job >> nth=0")
    for label in ("面试", "录用通知", "已入职"):
        recruiter.click(f"button:has-text('{label}')")
        recruiter.wait_for_load_state("networkidle")
        assert "申请状态已更新" in recruiter.inner_text("body")
    assert "已入职" in recruiter.inner_text("body")

    resident.goto(demo_server.url + "/jobs/mine/")
    assert "已入职" in resident.inner_text("body")
    assert _hires(page, demo_server) == before + 1
