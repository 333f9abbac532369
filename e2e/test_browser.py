"""End-to-end: the dashboard on a phone and a desktop, and no request leaving the intranet."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser


def _shown(page: Any, stat: str) -> int:
    """A figure of the organization summary (`#stat-…`) or of a home card (`#card-…`)."""
    selector = (
        f"#stat-{stat}"
        if stat in {"units", "orgs", "members", "floating"}
        else f"#card-{stat} .num"
    )
    return int(page.inner_text(selector).replace(",", ""))


def _district_counts(server: DemoServer, name: str) -> dict[str, int]:
    """What the dashboard should show for a district admin, counted on the server's database."""
    ((district,),) = server.query(
        "SELECT id FROM orgs_region WHERE name = ? AND level = 'district'", name
    )

    def count(sql: str, *params: Any) -> int:
        return int(server.query(sql, district, *params)[0][0])

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "units": count("SELECT COUNT(*) FROM orgs_unit WHERE district_id = ? AND is_active"),
        "non_liangxin": count(
            "SELECT COUNT(*) FROM orgs_unit WHERE district_id = ? AND is_active AND kind NOT IN "
            "('private_enterprise', 'social_org', 'individual_business', 'community_team')"
        ),
        "members": count("SELECT COUNT(*) FROM orgs_member WHERE district_id = ? AND is_active"),
        "floating": count(
            "SELECT COUNT(*) FROM orgs_member WHERE district_id = ? AND is_active AND is_floating"
        ),
        "needs": count("SELECT COUNT(*) FROM needs_need WHERE district_id = ?"),
        "open": count(
            "SELECT COUNT(*) FROM needs_need WHERE district_id = ? AND status IN "
            "('received', 'dispatched', 'accepted', 'returned', 'transferred', 'reopened')"
        ),
        "overdue": count(
            "SELECT COUNT(*) FROM needs_need WHERE district_id = ? AND deadline < ? AND status "
            "IN ('dispatched', 'accepted', 'transferred', 'reopened')",  # AWAITING_REPLY
            now,
        ),
    }


def test_dashboard_renders_chinese_and_charts_on_phone_and_desktop(
    page: Any, demo_server: DemoServer
) -> None:
    """The demo logins' dashboards show the seed figures: 长宁区's ledger (seed 002: 13,101
    两新 organizations, 6,553 个体工商户 and 903 社区活动团队 besides the state units), the
    216 handled needs of 虹桥街道 (seed 001) beside today's open ones, and 莱锦's 170
    enterprises and 132 floating members (seed 004)."""
    counts = _district_counts(demo_server, "长宁区")
    assert counts["units"] == 13_101 + 6_553 + 903 + counts["non_liangxin"]
    assert counts["needs"] == 216 + counts["open"] and counts["overdue"] > 0
    login(page, demo_server, "demo_district")
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((375, 812), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(demo_server.url + reverse("portal:home"))
        page.wait_for_selector(".chart canvas")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # let ECharts finish its opening animation
        shown = {
            key: _shown(page, stat)
            for key, stat in (
                ("units", "units"),
                ("members", "members"),
                ("floating", "floating"),
                ("needs", "needs-total"),
                ("open", "needs-open"),
                ("overdue", "needs-overdue"),
            )
        }
        assert shown == {k: counts[k] for k in shown}
        # the page must fit the phone: no horizontal scrolling
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"page scrolls sideways by {overflow}px at {width}px"
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.context.clear_cookies()
    login(page, demo_server, "demo_balizhuang")
    page.goto(demo_server.url + reverse("portal:home"))
    assert (_shown(page, "units"), _shown(page, "floating")) == (170, 132)


def test_pages_load_nothing_from_outside(page: Any, demo_server: DemoServer) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, demo_server, "demo_street")
    paths = [
        reverse(name)
        for name in ("portal:home", "orgs:member_list", "orgs:unit_list", "orgs:partyorg_list")
    ]
    for path in [*paths, "/api/v1/docs"]:
        page.goto(demo_server.url + path)
        page.wait_for_load_state("networkidle")
    assert len(requested) > 5
    outside = [
        url
        for url in requested
        if urlparse(url).scheme not in {"data", "blob"} and urlparse(url).hostname != "127.0.0.1"
    ]
    assert outside == []
