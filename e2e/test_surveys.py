"""End-to-end, surveys' main path at phone size: a unit admin resumes a draft and submits the
quarter's satisfaction evaluation on a 375 px phone, and the street's results (count, chart) move."""

from __future__ import annotations

import json
from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
QUARTER = "第4季度"


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _figures(page: Any) -> tuple[int, int]:
    """The submitted count, and the ratings the first department's chart shows."""
    submitted = int(page.inner_text("[data-testid=submitted]").strip())
    option = json.loads(page.inner_text("#chart-d1"))
    return submitted, sum(option["series"][0]["data"])


def test_unit_admin_answers_on_a_phone_and_the_street_sees_it(
    page: Any, browser: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_street")
    page.goto(demo_server.url + "/surveys/")
    page.click(f"a:has-text('{QUARTER}')")
    detail_url = page.url
    before = _figures(page)
    assert page.locator("[data-chart=chart-d1] canvas").count() == 1  # ECharts drew it

    phone = _phone(browser)
    login(phone, demo_server, "demo_dongyin")
    phone.goto(demo_server.url + "/surveys/answer/")
    phone.click(f".survey-inbox a:has-text('{QUARTER}') >> nth=0")
    # a first rating, kept as a draft and found again
    phone.check("input[name=d1][value='5']")
    phone.click("button[value=save]")
    phone.wait_for_load_state("networkidle")
    assert "草稿已保存" in phone.inner_text("body")
    assert phone.is_checked("input[name=d1][value='5']")
    # submitting with the rest missing names each required question
    phone.click("button[value=submit]")
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".survey-q .errorlist").count() == 7
    for key in ("d1", "d2", "d3", "d4", "d5", "s1", "s2", "s3"):
        phone.check(f"input[name={key}][value='4']")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "surveys-answer-375.png"), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing wider than the phone
    heights = phone.eval_on_selector_all(
        ".survey-scale label", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    phone.click("button[value=submit]")
    phone.wait_for_load_state("networkidle")
    assert "提交成功" in phone.inner_text("[data-testid=thanks]")

    page.goto(detail_url)
    after = _figures(page)
    assert after == (before[0] + 1, before[1] + 1)
