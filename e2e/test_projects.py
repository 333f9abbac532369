"""End to end: a micro-wish from publication to the street's report.

虹储's secretary (demo_hongchu) publishes a micro-wish at the desk; the demo member,
registered at 虹储 (双报到), finds it on the phone (375 px), claims it, reports
progress with a photo and then delivery; the secretary confirms; 虹桥街道's report
(demo_street) shows the delivered value and the person helped added to its totals.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
# the smallest valid PNG: a 1×1 pixel, as a phone camera would send a real photo
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _go(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def _fits(page: Any, what: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px at 375px"


def _totals(page: Any, server: DemoServer) -> tuple[float, int]:
    page.goto(server.url + "/projects/report/")
    value = float(page.inner_text("#total-value").replace(",", ""))
    return value, int(page.inner_text("#total-people"))


def test_micro_wish_from_publication_to_the_report(
    browser: Any, page: Any, demo_server: DemoServer
) -> None:
    title = f"为独居老人买一台助听器 {uuid.uuid4().hex[:6]}"
    street = browser.new_context(locale="zh-CN")
    street_page = street.new_page()
    login(street_page, demo_server, "demo_street")
    before = _totals(street_page, demo_server)

    # the secretary publishes at the desk
    login(page, demo_server, "demo_hongchu")
    page.goto(demo_server.url + "/projects/new/")
    page.select_option("#id_kind", "wish")
    page.fill("#id_title", title)
    page.fill("#id_description", "老人听力下降，希望有一台助听器")
    page.fill("#id_beneficiary_count", "1")
    page.fill("#id_estimated_value", "600")
    _go(page, "form.stacked button[type=submit]")
    assert page.inner_text("#item-status") == "已发布"
    item_url = page.url

    # the member claims on the phone
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    login(mobile, demo_server, "demo_member")
    mobile.goto(demo_server.url + "/projects/m/")
    _fits(mobile, "the phone list")
    _go(mobile, f"a.open-item:has-text('{title}')")
    _fits(mobile, "the item page")
    promised = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    mobile.fill("#id_promised_by", promised)
    _go(mobile, "#claim")
    assert mobile.inner_text("#claim-status") == "已认领"

    # progress with a photo taken on the phone, then delivery
    mobile.fill("#id_p-text", "已买好助听器，正在调试")
    mobile.fill("#id_p-percent", "60")
    mobile.set_input_files(
        "#id_p-photo", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _go(mobile, "#progress-form button[type=submit]")
    assert mobile.inner_text("#claim-status") == "实施中"
    assert mobile.locator(".photos img").count() == 1
    mobile.fill("#id_d-delivered_value", "580")
    mobile.select_option("#id_d-value_kind", "goods")
    mobile.fill("#id_d-people_helped", "1")
    mobile.fill("#id_d-note", "助听器已送到老人家中并教会使用")
    _go(mobile, "#deliver-form button[type=submit]")
    assert mobile.inner_text("#claim-status") == "待确认"
    _fits(mobile, "the claim page")
    ARTIFACTS.mkdir(exist_ok=True)
    mobile.screenshot(path=str(ARTIFACTS / "projects-claim-375.png"), full_page=True)

    # the secretary confirms the delivery
    page.goto(item_url)
    _go(page, "button.confirm-delivery")
    assert page.inner_text("#item-status") == "已完成"

    # the street's report moved by what was delivered
    after = _totals(street_page, demo_server)
    assert after[0] == pytest.approx(before[0] + 580)
    assert after[1] == before[1] + 1
    phone.close()
    street.close()


def _pair_value(page: Any, url: str) -> tuple[float, int]:
    page.goto(url)
    value = float(page.inner_text("#visit-value").replace(",", ""))
    return value, int(page.inner_text("#visit-count"))


def test_unit_admin_logs_a_pair_visit_on_the_phone(
    browser: Any, page: Any, demo_server: DemoServer
) -> None:
    """东银's unit admin (demo_dongyin) logs a visit to its pair in 虹储 at 375 px, with a
    photo; the pair's summed value on the desk page moves by the visit's value."""
    note = f"送去过冬棉被 {uuid.uuid4().hex[:6]}"
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    login(mobile, demo_server, "demo_dongyin")
    mobile.goto(demo_server.url + "/projects/m/")
    _go(mobile, "#phone-pairs")
    _fits(mobile, "the pairs list")
    _go(mobile, "a.pair-tile >> nth=0")
    _fits(mobile, "the pair page")
    pair_path = mobile.url.removeprefix(demo_server.url).replace("/projects/m/pairs/", "")
    desk_url = f"{demo_server.url}/projects/pairs/{pair_path}"

    # the desk page, as the unit sees it, before
    login(page, demo_server, "demo_dongyin")
    before = _pair_value(page, desk_url)

    mobile.fill("#id_note", note)
    mobile.fill("#id_value", "260")
    mobile.set_input_files(
        "#id_photo", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _go(mobile, "#log-visit")
    assert int(mobile.inner_text("#visit-count")) == before[1] + 1
    assert mobile.locator(f".visit:has-text('{note}') .photos img").count() == 1
    _fits(mobile, "the pair page after the visit")
    ARTIFACTS.mkdir(exist_ok=True)
    mobile.screenshot(path=str(ARTIFACTS / "projects-pair-375.png"), full_page=True)

    after = _pair_value(page, desk_url)
    assert after[0] == pytest.approx(before[0] + 260)
    assert after[1] == before[1] + 1
    assert note in page.inner_text("table.list")
    phone.close()
