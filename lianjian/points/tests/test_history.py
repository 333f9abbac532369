"""A member pages through their whole points and card history (phone page and API), newest
first, by keyset: every row once, ties in time broken by id, a foreign cursor refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from lianjian.points import services, services_shops
from lianjian.points.models import Entry, Redemption
from lianjian.points.tests.factories import certified_card, shop

pytestmark = pytest.mark.django_db

OLDER = re.compile(r'id="older" href="\?before=(\d+)"')
NOTE = re.compile(r"第(\d+)笔")


def _ledger(member: Any, n: int) -> list[int]:
    """`n` adjustments, the first 40 at one frozen instant (ties), then a minute apart;
    returns their entry ids newest first, the order the history shows."""
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for i in range(min(n, 40)):
            services.adjust(member, points=1, reason=f"第{i}笔", actor=None)
    for i in range(40, n):
        with time_machine.travel(start + dt.timedelta(minutes=i), tick=False):
            services.adjust(member, points=1, reason=f"第{i}笔", actor=None)
    rows = Entry.objects.filter(member=member).order_by("-created_at", "-pk")
    return list(rows.values_list("pk", flat=True))


def _notes(page: str) -> list[int]:
    return [int(n) for n in NOTE.findall(page)]


def test_the_phone_history_pages_through_every_entry(
    enrolled: Any, tree: Any, personas: Any, client_for: Any
) -> None:
    ids = _ledger(enrolled, 75)
    client = client_for(personas.member)
    me = client.get("/points/me/").content.decode()
    assert len(_notes(me)) == 30 and 'id="history-older"' in me
    seen: list[int] = []
    url = "/points/me/history/"
    pages = 0
    while url:
        page = client.get(url).content.decode()
        pages += 1
        seen += _notes(page)
        found = OLDER.search(page)
        url = f"/points/me/history/?before={found.group(1)}" if found else ""
    assert pages == 3 and "已显示到最早的记录" in page and "回到最新" in page
    by_note = dict(Entry.objects.filter(member=enrolled).values_list("note", "pk"))
    assert [by_note[f"第{n}笔"] for n in seen] == ids  # each once, newest first
    assert len(set(seen)) == 75


def test_the_api_pages_through_every_entry(
    enrolled: Any, tree: Any, personas: Any, client_for: Any
) -> None:
    ids = _ledger(enrolled, 75)
    client = client_for(personas.member)
    me = client.get("/api/v1/points/me").json()
    assert len(me["entries"]) == 30 and me["entries_next_before"] == ids[29]
    seen: list[int] = []
    before = None
    while True:
        params = {"limit": 20, **({"before": before} if before else {})}
        body = client.get("/api/v1/points/me/entries", params).json()
        seen += [e["id"] for e in body["items"]]
        before = body["next_before"]
        if before is None:
            assert body["next"] is None
            break
        assert body["next"].endswith(f"before={before}")
    assert seen == ids
    first = client.get("/api/v1/points/me/entries").json()
    assert first["items"][0]["note"] == "第74笔" and first["items"][0]["cause_label"] == "书记调整"
    followed = client.get(first["next"]).json()
    assert followed["items"][0]["id"] == ids[30]


def test_a_foreign_or_malformed_cursor_is_refused_in_chinese(
    enrolled: Any, tree: Any, personas: Any, client_for: Any
) -> None:
    _ledger(enrolled, 35)
    theirs = services.adjust(tree.member_a2, points=3, reason="别人的积分", actor=None)
    client = client_for(personas.member)
    r = client.get("/api/v1/points/me/entries", {"before": theirs.pk})
    assert r.status_code == 400 and "翻页参数无效" in r.json()["detail"]
    r = client.get("/api/v1/points/me/entries", {"before": "abc"})
    assert r.status_code == 422
    # beyond bigint: the input guard's own Chinese 400, before any view runs
    assert client.get("/points/me/history/", {"before": "9" * 30}).status_code == 400
    for bad in (str(theirs.pk), "abc", "-1", "0"):
        page = client.get("/points/me/history/", {"before": bad})
        body = page.content.decode()
        assert page.status_code == 200 and "翻页参数无效" in body
        assert "别人的积分" not in body and "第34笔" in body  # the newest page instead


def test_card_uses_page_too(enrolled: Any, tree: Any, personas: Any, client_for: Any) -> None:
    card = certified_card(tree.member_a1, 120, tree.community_a1)
    merchant = shop(tree.community_a1, tree.org_a1, keeper=personas.merchant)
    for i in range(25):
        services_shops.redeem(
            merchant, token=card.token, request_key=f"k{i}", amount=str(i + 1), actor=None
        )
    client = client_for(personas.member)
    me = client.get("/points/me/").content.decode()
    assert me.count('class="tile use"') == 20 and 'id="uses-older"' in me
    ids = list(
        Redemption.objects.filter(member=tree.member_a1)
        .order_by("-at", "-pk")
        .values_list("pk", flat=True)
    )
    second = client.get("/points/me/uses/", {"before": ids[19]}).content.decode()
    assert second.count('class="tile use"') == 5 and "已显示到最早的记录" in second
    api = client.get("/api/v1/points/me/uses", {"limit": 10, "before": ids[9]}).json()
    assert [u["id"] for u in api["items"]] == ids[10:20] and api["next_before"] == ids[19]


def test_history_pages_have_a_query_budget(
    enrolled: Any, personas: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    ids = _ledger(enrolled, 75)
    client = client_for(personas.member)
    client.get("/points/me/history/")  # session and permission caches warm
    with django_assert_max_num_queries(12):
        assert client.get("/points/me/history/", {"before": ids[29]}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/points/me/entries", {"before": ids[59]}).status_code == 200
