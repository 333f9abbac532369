"""End-to-end (issue 13.4, 13.5, 13.10): the organization tree opens level by level, the
visit form's unit is picked by typing, and the audit page filters by event."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from e2e.conftest import DemoServer, login

pytestmark = pytest.mark.browser


def test_tree_expands_on_demand(page: Any, demo_server: DemoServer) -> None:
    login(page, demo_server, "demo_street")
    page.goto(demo_server.url + reverse("orgs:partyorg_tree"))
    node = page.locator("#org-tree details.tree-node").first
    assert node.count() == 1, "the street's tree has a node that opens"
    assert node.locator(".tree-children li").count() == 0  # nothing loaded before it opens
    node.locator("summary").first.click()
    children = node.locator(".tree-children > ul.tree > li")
    children.first.wait_for()
    assert children.count() >= 1
    # each child shows its rolled-up member count, linking to the filtered member list
    count_link = node.locator(".tree-children a.tree-count").first
    href = count_link.get_attribute("href") or ""
    assert href.startswith(reverse("orgs:member_list") + "?org=")
    count_link.click()
    page.wait_for_load_state("networkidle")
    assert "含下级组织" in page.inner_text("body")


def test_visit_form_picks_the_unit_by_typing(page: Any, demo_server: DemoServer) -> None:
    rows = demo_server.query(
        "SELECT u.id, u.name FROM orgs_unit u JOIN orgs_region r ON r.id = u.community_id"
        " WHERE r.name = ? AND u.is_active ORDER BY u.id LIMIT 1",
        "虹储居民区",
    )
    assert rows, "the demo has a unit in 虹储居民区"
    unit_id, unit_name = int(rows[0][0]), str(rows[0][1])
    login(page, demo_server, "demo_hongchu")
    page.goto(demo_server.url + reverse("visits:create"))
    box = page.locator("#id_unit")
    box.click()
    box.press_sequentially(unit_name[:4], delay=60)
    option = page.locator(f".picker-option[data-value='{unit_id}']")
    option.wait_for()
    assert page.locator(".picker-option").count() <= 20
    option.click()
    assert page.locator("input[type=hidden][name=unit]").input_value() == str(unit_id)
    page.fill("#id_visitors", "陈书记")
    page.fill("#id_findings", "了解企业党建工作开展情况")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/visits/" in page.url and "new" not in page.url
    assert unit_name in page.inner_text("body")


def test_audit_page_filters_by_event(page: Any, demo_server: DemoServer) -> None:
    login(page, demo_server, "demo_audit")
    page.goto(demo_server.url + reverse("core:audit_list"))
    page.select_option("select[name=action]", "auth.login")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert parse_qs(urlparse(page.url).query).get("action") == ["auth.login"]
    cells = page.locator("#audit-table tbody tr td:nth-child(4)").all_inner_texts()
    assert cells and set(cells) == {"登录成功"}
    # the filter is kept in the export link
    href = page.locator("#audit-export").get_attribute("href") or ""
    assert "action=auth.login" in href
