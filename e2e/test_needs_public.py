"""End-to-end at phone size: a resident submits a need without an account, gets a
tracking code and follows it on the public tracking page."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import DemoServer

pytestmark = pytest.mark.browser


def test_phone_submission_and_tracking(browser: Any, demo_server: DemoServer) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(demo_server.url + "/needs/submit/")
        page.fill("textarea[name=text]", "楼道里的声控灯坏了一个多月，晚上出行不便")
        page.select_option("select[name=region]", index=1)
        page.select_option("select[name=submitter_kind]", "person")
        page.fill("input[name=submitter_name]", "测试居民")
        page.fill("input[name=contact_phone]", "13900007777")
        page.click("button[type=submit]")
        code = page.inner_text("#tracking-code").strip()
        assert len(code) == 10
        # the page fits the phone: no horizontal scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        rows = demo_server.query(
            "SELECT status, channel FROM needs_need WHERE tracking_code = ?", code
        )
        assert rows == [("received", "online")]
        page.click("text=查看进度")
        assert page.inner_text("#need-status").strip() == "已受理"
        assert "13900007777" not in page.content()
    finally:
        context.close()
