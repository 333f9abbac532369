"""The landing page shows figures for the viewer's own scope only."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from lianjian.orgs.services_members import member_update
from lianjian.portal.selectors import chart_options, dashboard_summary


def _stat(html: str, name: str) -> int:
    match = re.search(rf'id="stat-{name}">([\d,]+)<', html)
    assert match, name
    return int(match.group(1).replace(",", ""))


def _card(html: str, key: str) -> str:
    """The figure of the home card or to-do `key` (its DOM id, e.g. "needs-open")."""
    match = re.search(rf'id="card-{key}"[^>]*>.*?class="num">([^<]+)<', html, re.S)
    assert match, key
    return match.group(1)


def test_counts_follow_scope(personas, tree, client_for):
    member_update(
        tree.member_a2, is_floating=True, floating_to="北京市朝阳区", floating_reason="务工"
    )
    expected = {
        "district_admin": (3, 0, 3, 1),
        "street_staff": (3, 0, 2, 1),
        "secretary_a1": (1, 0, 1, 0),
        "secretary_a2": (1, 0, 1, 1),
    }
    for persona, (units, _, members, floating) in expected.items():
        html = client_for(getattr(personas, persona)).get(reverse("portal:home")).content.decode()
        assert _stat(html, "units") == units, persona
        assert _stat(html, "members") == members, persona
        assert _stat(html, "floating") == floating, persona


def test_org_count_and_charts_for_secretary(personas, tree):
    summary = dashboard_summary(personas.secretary_a1)
    assert summary["org_count"] == 1
    options = chart_options(summary)
    assert options["members"]["xAxis"]["data"] == ["虹储居民区"]
    assert options["members"]["series"][0]["data"] == [1]
    assert sum(row["value"] for row in options["kinds"]["series"][0]["data"]) == 1


def test_chart_options_are_embedded_as_json_not_script(personas, tree, client_for):
    html = client_for(personas.street_staff).get(reverse("portal:home")).content.decode()
    block = re.search(r'<script id="chart-members" type="application/json">(.*?)</script>', html)
    assert block is not None
    data = json.loads(block.group(1))
    assert set(data["xAxis"]["data"]) == {"虹储居民区", "虹仙居民区"}


def test_member_without_staff_role_gets_personal_page(personas, client_for):
    html = client_for(personas.member).get(reverse("portal:home")).content.decode()
    assert "stat-members" not in html
    assert "您好" in html


def test_outsider_sees_no_figures(personas, client_for):
    html = client_for(personas.outsider).get(reverse("portal:home")).content.decode()
    assert "stat-units" not in html


# The page's own cost (session, user, grants, notices, the inbox badge, the
# organization summary and the charts), then at most two counts per card shown:
# a new app's card raises the budget by its own two, never by a row count.
PAGE_QUERIES = 16
QUERIES_PER_CARD = 2


def test_dashboard_query_budget(personas, tree, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.district_admin)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    cards = response.content.decode().count('id="card-')
    assert cards >= 10  # the district admin sees the needs, visits, orgs and alliances cards
    assert len(ctx.captured_queries) <= PAGE_QUERIES + QUERIES_PER_CARD * cards, (
        len(ctx.captured_queries),
        cards,
    )


def test_needs_figures_for_staff_who_handle_needs(personas, tree, client_for):
    from lianjian.needs.demo import build_needs_demo
    from lianjian.needs.services import need_submit

    build_needs_demo(tree.street_a)
    for text, region in (
        ("楼道灯坏了，请尽快修理", tree.community_a1),
        ("想租借活动室", tree.community_a2),
    ):
        need_submit(
            channel="hotline",
            text=text,
            region=region,
            submitter_kind="person",
            submitter_name="王先生",
            contact_phone="13900001111",
        )
    staff = client_for(personas.street_staff).get(reverse("portal:home")).content.decode()
    assert _card(staff, "needs-open") == "2"
    assert _card(staff, "needs-overdue") == "0"
    assert _card(staff, "needs-to-dispatch") == "2"
    secretary = client_for(personas.secretary_a1).get(reverse("portal:home")).content.decode()
    assert _card(secretary, "needs-open") == "1"
    assert "card-needs-to-dispatch" not in secretary
    assert 'id="chart-needs"' in secretary
    unit_admin = client_for(personas.unit_admin).get(reverse("portal:home")).content.decode()
    assert "card-needs-open" not in unit_admin
