"""The demo reproduces seed 003's figures from its rows, read through the report, and
seed 000's claims in Changning; the demo logins see what the browser test drives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from lianjian.accounts.models import User
from lianjian.orgs.models import Region
from lianjian.projects import demo, selectors
from lianjian.projects.models import (
    Claim,
    ClaimStatus,
    Item,
    ItemStatus,
    Kind,
    Pair,
    Registration,
)

# each builds a demo (minutes on two cores): run once, in CI's PostgreSQL stage (P7),
# all on one xdist worker so the module's demo is built once
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("projects_demo")]


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from lianjian.portal.demo import demo_build

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_build(with_ledger=False)
            yield None
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _user(name: str) -> User:
    return User.objects.get(username=f"demo_{name}")


def test_yilu_figures_come_from_the_claims(built: None) -> None:
    start, end = selectors.period({})
    report = selectors.community_report(_user("yantai"), start, end, programme=demo.YILU)
    assert report.total.pairs == 206 and report.total.pairs >= 200
    assert report.total.people == 123
    assert report.total.value == demo.YILU_VALUE == 3_556_000
    assert report.total.confirmed == 206
    # the same figures straight from the rows
    claims = Claim.objects.filter(item__programme=demo.YILU, status=ClaimStatus.CONFIRMED)
    assert claims.count() == 206
    assert sum(c.delivered_value for c in claims) == 3_556_000
    assert (
        sum(Item.objects.filter(programme=demo.YILU).values_list("people_helped", flat=True)) == 123
    )


def test_haixin_units_and_families_and_hard_problems(built: None) -> None:
    start, end = selectors.period({})
    district = _user("yantai")
    haixin = Region.objects.get(name="海信社区")
    regs = Registration.objects.filter(region=haixin, party_org__isnull=False)
    assert regs.count() == 11
    pairs = Pair.objects.filter(community=haixin)
    assert pairs.count() == 12 and pairs.values("party_org_id").distinct().count() == 6
    rows = {r.name: r for r in selectors.pairs_report(district, start, end)}
    assert rows["海信社区"].pairs == 12 and rows["海信社区"].units == 6
    assert rows["海信社区"].visits >= 12 and rows["海信社区"].value > 0
    report = selectors.community_report(district, start, end)
    assert report.total.problems_solved >= 110
    # the ranking is by confirmed value, never by claims
    ranking = selectors.unit_report(district, start, end)
    values = [r.value for r in ranking]
    assert values == sorted(values, reverse=True)


def test_changning_claims_of_seed_000(built: None) -> None:
    dues = Item.objects.get(title__startswith="“七一”特殊党费")
    claim = dues.claims.get()
    assert claim.status == ClaimStatus.CONFIRMED and claim.delivered_value == 17000
    assert claim.people_helped == 17 and "虹桥机场" in claim.party_org.name  # type: ignore[union-attr]
    lectures = Item.objects.get(title__contains="虹心")
    assert lectures.kind == Kind.SERVICE and lectures.status == ItemStatus.IN_PROGRESS


def test_demo_logins_see_their_pages(built: None) -> None:
    member = Client()
    member.force_login(_user("member"))
    page = member.get("/projects/m/").content.decode()
    assert "为独居的王阿姨配一辆轮椅" in page and "已报到" in page
    home = member.get("/").content.decode()  # the member's home: their cards and tiles
    assert "可认领项目" in home and "我的认领" in home and "/projects/m/" in home
    secretary = Client()
    secretary.force_login(_user("hongchu"))
    page = secretary.get("/projects/?status=delivered").content.decode()
    assert "为社区儿童之家添置一批图书" in page
    assert "机场新村" not in secretary.get("/projects/").content.decode()
    unit = Client()
    unit.force_login(_user("dongyin"))
    assert "垃圾箱房改造" in unit.get("/projects/m/").content.decode()


def test_demo_logins_see_the_pairs(built: None) -> None:
    def login(name: str) -> Client:
        c = Client()
        c.force_login(_user(name))
        return c

    pair = Pair.objects.get(community__name="虹储居民区")
    assert pair.visits.count() == 3
    for name in ("dongyin", "hongchu"):
        page = login(name).get("/projects/pairs/").content.decode()
        assert pair.household_name in page and "1500.00" in page, name
        detail = login(name).get(f"/projects/pairs/{pair.pk}/").content.decode()
        assert "高龄独居" in detail and "修缮房屋" in detail, name
    street = login("street").get(f"/projects/pairs/{pair.pk}/").content.decode()
    assert pair.household_name not in street and "高龄独居" not in street
    assert login("hongxian").get(f"/projects/pairs/{pair.pk}/").status_code == 404
    yantai = login("yantai")
    listed = yantai.get("/api/v1/projects/pairs?limit=100").json()
    assert listed["count"] == 12 and not any(p["household_visible"] for p in listed["items"])
    assert sum(p["visit_count"] for p in listed["items"]) >= 12
    haixin = Region.objects.get(name="海信社区")
    page = yantai.get(f"/projects/pairs/?community={haixin.pk}").content.decode()
    assert "共 12 个帮扶对子" in page
