"""Member lists count no further than a bound past the page and page on by cursor.

The bound is lowered to a few rows here: the behaviour is the same at 1000.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.orgs import selectors
from lianjian.orgs.models import Member
from lianjian.orgs.tests.factories import make_member

API = "/api/v1"
AHEAD = 5


@pytest.fixture
def many(tree: Any, monkeypatch: Any) -> list[int]:
    """30 more members in 虹储; the visible active ids of the whole district, newest first."""
    monkeypatch.setattr(selectors, "MEMBER_COUNT_AHEAD", AHEAD)
    for _ in range(30):
        make_member(party_org=tree.org_a1)
    return list(Member.objects.filter(is_active=True).order_by("-id").values_list("pk", flat=True))


def test_api_count_stops_past_the_page_and_says_so(personas, client_for, many):
    c = client_for(personas.district_admin)
    body = c.get(f"{API}/members?limit=3").json()
    assert [m["id"] for m in body["items"]] == many[:3]
    assert body["count"] == 3 + AHEAD and body["count_capped"] is True
    body = c.get(f"{API}/members?limit=3&offset=6").json()
    assert body["count"] == 9 + AHEAD and body["count_capped"] is True
    # near the end the count is exact again
    body = c.get(f"{API}/members?limit=10&offset={len(many) - 12}").json()
    assert body["count"] == len(many) and body["count_capped"] is False


def test_api_next_links_walk_the_whole_list_once(personas, client_for, many):
    c = client_for(personas.district_admin)
    url: str | None = f"{API}/members?limit=7"
    seen: list[int] = []
    pages = 0
    while url:
        body = c.get(url).json()
        seen += [m["id"] for m in body["items"]]
        url = body["next"]
        pages += 1
        assert url is None or ("before=" in url and "offset" not in url and "limit=7" in url)
    assert seen == many  # every member once, newest first
    assert pages == -(-len(many) // 7)


def test_api_before_filters_by_id_and_keeps_other_filters(personas, client_for, tree, many):
    c = client_for(personas.district_admin)
    body = c.get(f"{API}/members?before={many[4]}&limit=2").json()
    assert [m["id"] for m in body["items"]] == many[5:7]
    body = c.get(f"{API}/members?party_org={tree.org_a2.pk}&limit=100").json()
    assert body["next"] is None and body["count_capped"] is False
    assert (
        body["count"]
        == len(body["items"])
        == Member.objects.filter(party_org=tree.org_a2, is_active=True).count()
    )
    assert c.get(f"{API}/members?before=0").status_code == 422


def test_api_count_rides_with_the_page_ids_and_is_bounded(personas, client_for, many):
    c = client_for(personas.district_admin)
    c.get(f"{API}/members")  # warm the session
    with CaptureQueriesContext(connection) as first:
        body = c.get(f"{API}/members?limit=3").json()
    assert body["count"] == 3 + AHEAD and body["count_capped"] is True
    counts = [q["sql"] for q in first.captured_queries if "COUNT(" in q["sql"].upper()]
    # one statement: the page's ids and a window count over a bounded scan
    assert len(counts) == 1 and "OVER ()" in counts[0] and f"LIMIT {3 + AHEAD + 1}" in counts[0]
    reads = [q for q in first.captured_queries if "orgs_member" in q["sql"]]
    assert len(reads) == 2  # the ids with the count, then those rows by primary key
    body = c.get(f"{API}/members?limit=100").json()
    assert body["count"] == len(many) and body["next"] is None
    # past the end no row carries the count: it is counted apart
    body = c.get(f"{API}/members?offset={len(many) + 5}").json()
    assert body["items"] == [] and body["count"] == len(many) and body["count_capped"] is False


def test_small_scope_count_is_exact(personas, client_for, tree):
    body = client_for(personas.secretary_a2).get(f"{API}/members").json()
    assert body["count_capped"] is False and body["next"] is None
    assert body["count"] == len(body["items"]) >= 1


def test_page_shows_capped_count_and_pages_on(personas, client_for, many):
    c = client_for(personas.district_admin)
    url = reverse("orgs:member_list")
    resp = c.get(url)
    page = resp.context["page"]
    assert page.paginator.capped and page.paginator.count == 20 + AHEAD
    assert f"共 {20 + AHEAD}+ 条" in resp.content.decode() and page.has_next()
    resp = c.get(url, {"page": 2})
    page = resp.context["page"]
    assert [m.pk for m in page.object_list] == many[20:40]
    assert page.paginator.count == len(many) and not page.paginator.capped
    assert f"共 {len(many)} 条" in resp.content.decode()
    # a page number past the end shows the last page, as before
    assert c.get(url, {"page": 99}).context["page"].number == page.paginator.num_pages


@pytest.mark.parametrize(
    ("persona", "column"),
    [
        ("district_admin", "district_id"),
        ("street_staff", "street_id"),
        ("secretary_a1", "community_id"),
    ],
)
def test_page_ids_and_count_need_only_the_live_index(personas, persona, column):
    """P1: the ids of a page and the bounded count name nothing the partial index lacks.

    So PostgreSQL can answer both by an index-only scan of
    `orgs_mem_<level>_live_idx` (scope column, id; live members only). Which
    plan it picks depends on real statistics: bench/run.py prints and checks
    the plans on the benchmark datasets.
    """
    index = f"orgs_mem_{column.removesuffix('_id')}_live_idx"
    qs = selectors.members_filtered(getattr(personas, persona), {})
    for query in (qs.order_by("-id").values("pk")[:20], qs.order_by().values("pk")[:1001]):
        sql = str(query.query)
        assert "JOIN" not in sql, sql
        assert set(re.findall(r'"orgs_member"\."(\w+)"', sql)) == {"id", column, "is_active"}, sql
    with connection.cursor() as cursor:
        assert connection.introspection.get_constraints(cursor, "orgs_member")[index][
            "columns"
        ] == [
            column,
            "id",
        ]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [index])
        assert cursor.fetchone()[0].replace('"', "").endswith("WHERE is_active")
