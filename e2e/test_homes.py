"""Every demo role's home in a real browser, at desk (1366×768) and phone (375×812) size.

Each role signs in and sees its own to-dos and figures, checked against the demo
database behind the server; screenshots of every home (and of the big screen at
1920×1080) are saved to e2e/artifacts/home-<role>-<width>.png for the closing note.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

VIEWPORTS = ({"width": 1366, "height": 768}, {"width": 375, "height": 812})
AWAITING = ("dispatched", "accepted", "transferred", "reopened")
OPEN = ("received", "dispatched", "accepted", "returned", "transferred", "reopened")


def _count(server: DemoServer, sql: str, *params: Any) -> str:
    return str(server.query(sql, *params)[0][0])


def _marks(values: tuple[str, ...]) -> str:
    return "(" + ",".join("?" for _ in values) + ")"


def _expected(server: DemoServer) -> dict[str, dict[str, str]]:
    """role login -> {card DOM id: the figure the demo rows give}."""
    street_received = _count(
        server,
        "SELECT count(*) FROM needs_need n JOIN orgs_region r ON n.street_id = r.id "
        "WHERE r.name = '虹桥街道' AND n.status = 'received'",
    )
    dept_awaiting = _count(
        server,
        # placeholders only: the statuses are bound parameters
        "SELECT count(*) FROM needs_need n JOIN needs_department d ON n.department_id = d.id "  # noqa: S608
        "JOIN accounts_grant g ON g.department_key = d.key "
        "JOIN accounts_user u ON g.user_id = u.id "
        "WHERE u.username = 'demo_dept' AND n.status IN " + _marks(AWAITING),
        *AWAITING,
    )
    hongchu_open = _count(
        server,
        "SELECT count(*) FROM needs_need n JOIN orgs_region r ON n.community_id = r.id "  # noqa: S608
        "WHERE r.name = '虹储居民区' AND n.status IN " + _marks(OPEN),
        *OPEN,
    )
    locked = _count(
        server, "SELECT count(*) FROM axes_accessattempt WHERE failures_since_start >= 5"
    )
    return {
        "demo_district": {"card-orgs-coverage": "", "card-needs-open": ""},
        "demo_street": {"card-needs-to-dispatch": street_received, "card-needs-overdue": ""},
        "demo_hongchu": {
            "card-needs-open": hongchu_open,
            "card-visits-coverage": "",
            "card-orgs-coverage": "",
            "card-notices-unread": "",
        },
        "demo_dept": {"card-needs-awaiting": dept_awaiting, "card-needs-due-tomorrow": ""},
        "demo_dongyin": {"card-notices-unread": ""},
        "demo_audit": {"card-core-chain": "完整", "card-core-denied": ""},
        "demo_security": {"card-accounts-locked": locked, "card-accounts-expiring": ""},
        "demo_sysadmin": {},
        "demo_member": {"tile-needs-public_submit": "", "my-record": "", "my-needs": ""},
        "demo_merchant": {"tile-needs-public_submit": "", "tile-needs-track": ""},
        "demo_recruiter": {"tile-needs-public_submit": "", "tile-core_notifications-inbox": ""},
    }


def _figure(page: Any, dom_id: str) -> str:
    num = page.locator(f"#{dom_id} .num")
    return re.sub(r"[,\s]", "", num.first.inner_text()) if num.count() else ""


def test_every_role_home_at_desk_and_phone_size(browser: Any, demo_server: DemoServer) -> None:
    expected = _expected(demo_server)
    ARTIFACTS.mkdir(exist_ok=True)
    for viewport in VIEWPORTS:
        for username, cards in expected.items():
            context = browser.new_context(locale="zh-CN", viewport=viewport)
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                login(page, demo_server, username)
                assert page.url.rstrip("/") == demo_server.url, (username, page.url)
                assert page.locator("#bell").count() == 1, username
                for dom_id, figure in cards.items():
                    assert page.locator(f"#{dom_id}").count() == 1, (username, dom_id)
                    if figure:
                        assert _figure(page, dom_id) == figure, (username, dom_id)
                if username in ("demo_audit", "demo_security", "demo_dept"):
                    assert page.locator("[data-chart=chart-kinds]").count() == 0, username
                if viewport["width"] == 375:
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                    )
                    assert overflow <= 1, f"{username}'s home scrolls sideways by {overflow}px"
                    for tile in page.locator(".tile, .todo").all():
                        assert tile.bounding_box()["height"] >= 44, username
                name = username.removeprefix("demo_")
                page.screenshot(
                    path=str(ARTIFACTS / f"home-{name}-{viewport['width']}.png"), full_page=True
                )
            finally:
                context.close()


def test_big_screen_refreshes_without_reload(browser: Any, demo_server: DemoServer) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(demo_server.url) else None,
    )
    try:
        login(page, demo_server, "demo_district")
        page.goto(demo_server.url + "/screen/?refresh=2")
        page.wait_for_selector("#chart-tree canvas")  # (no string predicates: CSP has no eval)
        page.evaluate("window.__marker = 1")
        # the timer fetches the JSON again and redraws in place
        page.wait_for_selector("body[data-refreshed]", state="attached", timeout=20_000)
        assert page.evaluate("window.__marker") == 1  # the same document: no reload
        assert page.locator("#kpi-coverage").inner_text().endswith("%")
        assert outside == []
        page.screenshot(path=str(ARTIFACTS / "home-screen-1920.png"))
    finally:
        context.close()
