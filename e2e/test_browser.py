"""End-to-end: the dashboard on a phone and a desktop, and no request leaving the intranet."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser


def test_dashboard_renders_chinese_and_charts_on_phone_and_desktop(
    page: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_district")
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((375, 812), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(demo_server.url + reverse("portal:home"))
        page.wait_for_selector(".chart canvas")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # let ECharts finish its opening animation
        assert page.inner_text("#stat-members").replace(",", "").isdigit()
        assert int(page.inner_text("#stat-floating").replace(",", "")) >= 0
        # the page must fit the phone: no horizontal scrolling
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"page scrolls sideways by {overflow}px at {width}px"
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


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
