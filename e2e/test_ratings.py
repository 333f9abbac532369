"""End-to-end, the annual grading: 东银中心楼宇联合党支部's admin self-assesses the 2026
round with evidence and submits; 虹桥街道 reviews it, and the organization sees its grade
go to the district with the reasons per criterion."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

ORG = "东银中心楼宇联合党支部"
MANUAL = ("组织设置规范", "组织生活正常", "班子队伍健全", "服务企业发展", "服务职工群众",
          "活动阵地经费", "制度台账完备")  # fmt: skip
EVIDENCE = ("组织生活正常", "服务企业发展")


def test_org_admin_self_assesses_and_the_street_reviews(
    page: Any, browser: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_dongyin")
    page.goto(demo_server.url + "/ratings/?queue=self")
    page.click(f"a:has-text('{ORG}')")
    assert "2026年度定级" in page.inner_text("h1")
    assert page.inner_text("#rating-status") == "待自评"
    # submitting with nothing scored is refused in Chinese, nothing moves
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "自评打分" in page.inner_text(".messages")
    for name in MANUAL:
        page.fill(f"input[aria-label='{name}自评分']", "9")
    for name in EVIDENCE:
        page.fill(f"textarea[aria-label='{name}佐证说明']", f"{name}：全年台账与照片见附件")
    page.fill("textarea[name=summary]", "全年组织生活 12 次，服务入驻企业 30 余家。")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "自评已提交街道审核" in page.inner_text(".messages")
    assert page.inner_text("#rating-status") == "待街道审核"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ratings-self-assessed.png"), full_page=True)

    street = browser.new_context(locale="zh-CN").new_page()
    street.set_default_timeout(15_000)
    login(street, demo_server, "demo_street")
    street.goto(demo_server.url + "/ratings/?queue=review")
    street.click(f"a:has-text('{ORG}')")
    street.fill("input[aria-label='服务职工群众审核分']", "8")
    street.fill("textarea[aria-label='服务职工群众审核意见']", "职工服务记录偏少")
    street.fill("textarea[name=comment]", "同意，报区级确认")
    street.click("button[value=approve]")
    street.wait_for_load_state("networkidle")
    assert "已审核通过" in street.inner_text(".messages")
    assert street.inner_text("#rating-status") == "待区级确认"
    grade = street.inner_text("#rating-grade")
    assert grade in ("好", "较好", "一般", "差")

    # the organization sees its grade and why
    page.reload()
    assert page.inner_text("#rating-status") == "待区级确认"
    assert page.inner_text("#rating-grade") == grade
    body = page.inner_text("body")
    assert "职工服务记录偏少" in body and "同意，报区级确认" in body
