"""End-to-end at phone size: a member shows the red alliance card, the demo merchant verifies
it and records the discount, and the member sees where the card was used."""

from __future__ import annotations

import uuid
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


def test_member_card_verified_and_used_at_a_merchant(browser: Any, demo_server: DemoServer) -> None:
    member = _phone(browser)
    login(member, demo_server, "demo_card")
    member.goto(demo_server.url + "/points/me/")
    assert "金卡" in member.inner_text("#card-tier")
    assert member.locator("img.qr").is_visible()
    token = member.inner_text("#card-token").strip()
    assert len(token) >= 20
    ARTIFACTS.mkdir(exist_ok=True)
    member.screenshot(path=str(ARTIFACTS / "points-card-375.png"), full_page=True)

    shop = _phone(browser)
    login(shop, demo_server, "demo_merchant")
    shop.goto(demo_server.url + "/points/shop/")
    shop.fill("#token", token)
    shop.click("button:has-text('查验')")
    result = shop.inner_text("#result")
    assert "该卡有效" in result and "金卡" in result and "折" in result
    name = member.inner_text("h1")  # nothing personal on the merchant's page but a masked name
    assert "*" in result and name not in result
    amount = f"{uuid.uuid4().int % 900 + 100}.50"
    shop.fill("#amount", amount)
    heights = shop.eval_on_selector_all(
        "#result button, #verify-form button:visible", "els => els.map(e => e.offsetHeight)"
    )
    assert heights and min(heights) >= 44
    shop.click("#record")
    shop.wait_for_load_state("networkidle")
    assert "已登记优惠" in shop.inner_text("body")
    shop.screenshot(path=str(ARTIFACTS / "points-shop-375.png"), full_page=True)

    member.goto(demo_server.url + "/points/me/")
    uses = member.inner_text("body")
    assert amount in uses and "红心" in uses
