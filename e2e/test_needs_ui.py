"""Working a need in the browser: the street dispatcher opens a received need, is
offered only what they may do now (dispatch first, the irreversible ones folded
and confirmed), dispatches, and prints the work order; the public form's street
→ community cascade at phone size."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser


def _go(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def _actions(page: Any) -> list[str]:
    """The action forms' URL tails offered on the detail page."""
    forms = page.locator("section.work form")
    return [
        str(forms.nth(i).get_attribute("action")).rstrip("/").rsplit("/", 1)[-1]
        for i in range(forms.count())
    ]


def test_dispatcher_sees_only_allowed_actions_dispatches_and_prints(
    page: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_street")
    page.goto(demo_server.url + "/needs/?status=received&sort=created")
    first = page.locator("table.list tbody tr td a").first
    code = first.inner_text().strip()
    _go(page, f"table.list >> text={code}")
    assert page.locator("h1 .badge").inner_text().strip() == "已受理"

    # what a received need allows a dispatcher: dispatch (primary), reject, merge; no
    # handler's action, no callback
    offered = _actions(page)
    assert offered[0] == "dispatch"
    assert set(offered) == {"dispatch", "reject", "merge"}, offered
    primary = page.locator("section.work .primary-action button[type=submit]")
    assert primary.count() == 1 and primary.inner_text() == "确认派单"
    # the irreversible ones wait below and ask first: dismissing changes nothing
    page.fill("#rej", "重复提交")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click('section.work form[data-confirm] button:has-text("不予受理")')
    page.wait_for_timeout(300)
    assert page.locator("h1 .badge").inner_text().strip() == "已受理"
    status = demo_server.query("SELECT status FROM needs_need WHERE tracking_code = ?", code)
    assert status == [("received",)]

    # dispatch with the proposed (or first) category and department
    _go(page, "section.work .primary-action button[type=submit]")
    assert "操作成功" in page.locator("ul.messages").inner_text()
    assert page.locator("h1 .badge").inner_text().strip() == "已派单"
    after = _actions(page)
    assert "dispatch" not in after and "reject" not in after, after
    assert demo_server.query("SELECT status FROM needs_need WHERE tracking_code = ?", code) == [
        ("dispatched",)
    ]

    # the work order page: the order itself, and in print no navigation or buttons
    _go(page, "text=工单打印")
    assert page.locator("h1").first.inner_text().startswith("需求工单")
    assert code in page.content()
    assert page.locator("header.topbar").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("button[data-print]").is_visible()
    assert page.locator(".workorder h1").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "needs-workorder-print.png"), full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("text=下载 PDF")
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_public_form_cascade_and_tap_targets_at_phone_size(
    browser: Any, demo_server: DemoServer
) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(demo_server.url + "/needs/submit/")
        assert page.input_value("select[name=street]") == ""
        assert page.get_attribute("input[name=contact_phone]", "type") == "tel"
        # every error at once on the first submit
        page.fill("input[name=contact_phone]", "123")
        _go(page, "form.phone-form button[type=submit]")
        assert page.locator(".errorlist").count() >= 3
        # the street brings its own communities only
        with page.expect_response(lambda r: "/needs/submit/places/" in r.url):
            page.select_option("select[name=street]", label="虹桥街道")
        labels = page.locator("select[name=region] option").all_inner_texts()
        assert "虹储居民区" in labels and all("程家桥" not in x for x in labels)
        for selector in (
            "select[name=street]",
            "select[name=region]",
            "textarea[name=text]",
            "input[name=contact_phone]",
            "form.phone-form button[type=submit]",
        ):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["height"] >= 44, (selector, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    finally:
        context.close()
