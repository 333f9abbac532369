"""End-to-end: a community secretary's first session in the registry, and the 404 for a
sibling community's record (the scope chokepoint seen from the browser)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlparse

import pytest
from django.urls import reverse

from e2e.conftest import DemoServer, login

pytestmark = pytest.mark.browser

MASKED_ID = re.compile(r"\d{3}\*{13}[\dX]{2}")
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def _first_member(server: DemoServer, community: str) -> tuple[int, str]:
    rows = server.query(
        "SELECT m.id, m.name FROM orgs_member m JOIN orgs_region r ON r.id = m.community_id"
        " WHERE r.name = ? ORDER BY m.id LIMIT 1",
        community,
    )
    assert rows, f"demo has no member in {community}"
    return int(rows[0][0]), str(rows[0][1])


def test_secretary_finds_own_member_and_gets_404_for_sibling(
    page: Any, demo_server: DemoServer
) -> None:
    login(page, demo_server, "demo_hongchu")
    assert urlparse(page.url).path == reverse("portal:home")
    assert "工作台" in page.content()

    pk, name = _first_member(demo_server, "虹储居民区")
    page.goto(f"{demo_server.url}{reverse('orgs:member_list')}?q={quote(name)}")
    detail_path = reverse("orgs:member_detail", args=[pk])
    link = page.locator(f"a[href='{detail_path}']")
    assert link.count() >= 1, "the member found by name links to its detail page"
    link.first.click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == detail_path
    body = page.inner_text("body")
    assert name in body
    assert MASKED_ID.search(body), "the ID number is shown masked"
    assert not FULL_ID.search(body), "no full ID number on the page"

    sibling_pk, sibling_name = _first_member(demo_server, "虹仙居民区")
    response = page.goto(demo_server.url + reverse("orgs:member_detail", args=[sibling_pk]))
    assert response is not None and response.status == 404
    assert "未找到" in page.inner_text("body")
    assert sibling_name not in page.inner_text("body")
