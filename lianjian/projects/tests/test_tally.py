"""The community report's tallies (`DayTally`): kept at write time, equal to the rows.

Random transitions move items and claims through every state over days that
cross midnight and a month's end (Asia/Shanghai); after them the report summed
from the tallies equals the report computed from the rows, for every persona,
period and programme; a rebuild and the backfill migration give the same rows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianjian.core.permissions import grants_with_perm
from lianjian.core.tallies import tally_bump
from lianjian.orgs.tests.factories import make_party_org
from lianjian.projects import access, selectors, services, services_delivery, services_tally
from lianjian.projects.models import (
    OPEN_CLAIM_STATUSES,
    OPEN_ITEM_STATUSES,
    Claim,
    ClaimStatus,
    DayTally,
    Item,
    ItemStatus,
    Kind,
    ValueKind,
)
from lianjian.projects.services import ProjectError
from lianjian.projects.tally import TALLY_FIGURES, TALLY_KEY
from lianjian.projects.tests.factories import make_item, register_member, register_org

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YILU = "益路同行"
ACTIONS = (
    "create",
    "publish",
    "claim",
    "withdraw",
    "progress",
    "deliver",
    "confirm",
    "return",
    "item_withdraw",
    "close",
    "expire",
)
WEIGHTS = (3, 2, 6, 1, 2, 4, 3, 2, 1, 3, 2)


def _figures(report: selectors.Report) -> list[tuple[Any, ...]]:
    return [
        (
            r.key,
            r.name,
            r.published,
            r.claimed,
            r.delivered,
            r.confirmed,
            r.on_time,
            r.on_time_rate,
            r.value,
            r.people,
            r.problems_solved,
            r.pairs,
        )
        for r in (*report.rows, report.total)
    ]


def _tally_rows() -> list[tuple[Any, ...]]:
    """The tally rows with a figure (a row moved back to zero adds nothing)."""
    rows = DayTally.objects.values_list(*TALLY_KEY, *TALLY_FIGURES)
    return sorted(tuple(row) for row in rows if any(row[len(TALLY_KEY) :]))


class World:
    """Registrations at three communities of two streets, and a random walk over them."""

    def __init__(self, tree: Any, rng: random.Random) -> None:
        self.rng = rng
        self.communities = [tree.community_a1, tree.community_a2, tree.community_b1]
        self.regs = {
            c.pk: [register_org(make_party_org(region=c), c) for _ in range(3)]
            for c in self.communities
        }
        self.regs[tree.community_a1.pk].append(register_member(tree.member_a1, tree.community_a1))
        self.done: dict[str, int] = dict.fromkeys(ACTIONS, 0)

    def today(self) -> dt.date:
        return timezone.localdate()

    def script(self, clock: Any) -> None:
        """Every transition once, in order, before the random walk (which may miss some)."""
        a1, a2, b1 = self.communities
        org = next(r for r in self.regs[a2.pk] if r.party_org_id)
        draft = make_item(a1, Kind.WISH, publish=False)
        services.item_publish(draft)
        slots = make_item(a2, Kind.SERVICE, capacity=2, programme=YILU)
        claim = services.claim_create(slots, registration=org)
        services_delivery.progress_report(claim, text_="已上门一次", percent=30)
        clock.shift(dt.timedelta(hours=5))
        services_delivery.claim_deliver(
            claim, delivered_value="88.80", value_kind="money", people_helped=4, note="已完成"
        )
        services_delivery.claim_return(claim, reason="照片看不清，请补充")
        services_delivery.claim_deliver(
            claim, delivered_value="99.90", value_kind="money", people_helped=5, note="补充了"
        )
        clock.shift(dt.timedelta(hours=4))
        services_delivery.claim_confirm(claim)
        services.item_close(slots)
        lonely = make_item(b1, Kind.WISH, wanted_by=self.today())
        services.claim_withdraw(
            services.claim_create(lonely, registration=self.regs[b1.pk][0]), reason="有事"
        )
        services.item_withdraw(make_item(b1, Kind.PROJECT), reason="居民已自行解决")
        problem = make_item(a1, Kind.PROBLEM)
        fixed = services.claim_create(problem, registration=self.regs[a1.pk][0])
        services_delivery.claim_confirm(
            services_delivery.claim_deliver(
                fixed, delivered_value="5000", value_kind="goods", people_helped=40, note="好"
            )
        )
        clock.shift(dt.timedelta(days=1, hours=2))
        assert services_delivery.projects_tick()["expired"] == 1

    def pick_item(self, *statuses: str) -> Item | None:
        items = list(Item.objects.filter(status__in=statuses).order_by("pk"))
        return self.rng.choice(items) if items else None

    def pick_claim(self, *statuses: str) -> Claim | None:
        claims = list(Claim.objects.filter(status__in=statuses).order_by("pk"))
        return self.rng.choice(claims) if claims else None

    def step(self, action: str) -> bool:
        """One transition of the kind named; False when none applies (or it is refused)."""
        rng = self.rng
        try:
            if action == "create":
                kind = rng.choice(Kind.values)
                capacity = rng.randint(1, 3) if kind in (Kind.PROJECT, Kind.SERVICE) else 1
                make_item(
                    rng.choice(self.communities),
                    kind,
                    publish=rng.random() < 0.7,
                    capacity=capacity,
                    programme=rng.choice(("", "", YILU)),
                    wanted_by=self.today() + dt.timedelta(days=rng.randint(0, 4)),
                    beneficiary_count=rng.randint(0, 30),
                )
            elif action == "publish":
                item = self.pick_item(ItemStatus.DRAFT)
                if item is None:
                    return False
                services.item_publish(item)
            elif action == "claim":
                item = self.pick_item(*OPEN_ITEM_STATUSES)
                if item is None or item.slots_left == 0:
                    return False
                reg = rng.choice(self.regs[item.region_id])
                promised = self.today() + dt.timedelta(days=rng.randint(0, 3))
                before = Claim.objects.count()
                services.claim_create(item, registration=reg, promised_by=promised)
                if Claim.objects.count() == before:
                    return False  # the registrant's open claim came back
            elif action == "withdraw":
                claim = self.pick_claim(ClaimStatus.CLAIMED)
                if claim is None:
                    return False
                services.claim_withdraw(claim, reason="单位临时有任务")
            elif action == "progress":
                claim = self.pick_claim(ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS)
                if claim is None:
                    return False
                percent = min(claim.percent + rng.randint(0, 40), 100)
                services_delivery.progress_report(claim, text_="已上门一次", percent=percent)
            elif action == "deliver":
                claim = self.pick_claim(ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS)
                if claim is None:
                    return False
                services_delivery.claim_deliver(
                    claim,
                    delivered_value=str(Decimal(rng.randint(0, 500_000)) / 100),
                    value_kind=rng.choice(ValueKind.values),
                    people_helped=rng.randint(0, 9),
                    note="已完成",
                )
            elif action == "confirm":
                claim = self.pick_claim(ClaimStatus.DELIVERED)
                if claim is None:
                    return False
                services_delivery.claim_confirm(claim)
            elif action == "return":
                claim = self.pick_claim(ClaimStatus.DELIVERED)
                if claim is None:
                    return False
                services_delivery.claim_return(claim, reason="照片看不清，请补充")
            elif action == "item_withdraw":
                item = self.pick_item(ItemStatus.DRAFT, ItemStatus.PUBLISHED)
                if item is None or item.claims.filter(status__in=OPEN_CLAIM_STATUSES).exists():
                    return False
                services.item_withdraw(item, reason="居民已自行解决")
            elif action == "close":
                candidates = [
                    i
                    for i in Item.objects.filter(status=ItemStatus.IN_PROGRESS).order_by("pk")
                    if not i.claims.filter(status__in=OPEN_CLAIM_STATUSES).exists()
                ]
                if not candidates:
                    return False
                services.item_close(rng.choice(candidates))
            else:  # expire: the daily tick
                if not services_delivery.projects_tick()["expired"]:
                    return False
        except ProjectError:
            return False
        self.done[action] += 1
        return True


def _check_reports(tree: Any, personas: Any, first: dt.date, last: dt.date) -> None:
    def same(who: Any, start: dt.date, end: dt.date, programme: str = "") -> None:
        kept = selectors.community_report(who, start, end, programme=programme)
        rows = selectors.community_report_rows(who, start, end, programme=programme)
        assert _figures(kept) == _figures(rows), (who.username, start, end, programme)

    # every persona's scope, over the walk, each month, and its first day
    periods = [(first, last), (first, first)]
    periods += [(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), (dt.date(2026, 4, 1), last)]
    for who in (personas.district_admin, personas.street_staff, personas.secretary_a2):
        for start, end in periods:
            for programme in ("", YILU):
                same(who, start, end, programme)
    # each day alone, and two-day windows across each midnight
    day = first
    while day <= last:
        same(personas.district_admin, day, day)
        same(personas.district_admin, day, day + dt.timedelta(days=1), YILU)
        day += dt.timedelta(days=1)
    # by street (the API's region filter is the same `_scoped`)
    kept = selectors.community_report(personas.district_admin, first, last, region=tree.street_b)
    rows = selectors.community_report_rows(
        personas.district_admin, first, last, region=tree.street_b
    )
    assert _figures(kept) == _figures(rows)
    assert [r.key for r in kept.rows] == [tree.community_b1.pk]


@pytest.mark.parametrize("seed", [15, 2026, 3556])
def test_random_transitions_keep_the_tallies_equal_to_the_rows(
    tree: Any, personas: Any, seed: int
) -> None:
    rng = random.Random(seed)
    world = World(tree, rng)
    start = dt.datetime(2026, 3, 29, 18, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        world.script(clock)
        for _ in range(160):
            world.step(rng.choices(ACTIONS, WEIGHTS)[0])
            clock.shift(dt.timedelta(minutes=rng.randint(0, 300)))
        first, last = start.date(), timezone.localdate()
        _check_reports(tree, personas, first, last)
    # the walk after the script claimed and confirmed too; the figures are not zero
    assert world.done["claim"] and world.done["confirm"], world.done
    total = selectors.community_report(personas.district_admin, first, last).total
    assert min(total.claimed, total.delivered, total.confirmed, total.on_time) > 0
    assert total.value > 0 and total.people > 0 and total.pairs > 0
    assert total.problems_solved > 0 and total.published > 0
    assert last > dt.date(2026, 4, 1)  # the walk crossed a month's end


def test_a_rebuild_and_the_backfill_migration_give_the_same_tallies(
    tree: Any, personas: Any
) -> None:
    rng = random.Random(7)
    world = World(tree, rng)
    with time_machine.travel(dt.datetime(2026, 5, 30, 20, tzinfo=SHANGHAI), tick=False) as clock:
        world.script(clock)
        for _ in range(80):
            world.step(rng.choices(ACTIONS, WEIGHTS)[0])
            clock.shift(dt.timedelta(minutes=rng.randint(0, 300)))
    kept = _tally_rows()
    assert kept and world.done["confirm"], world.done
    assert services_tally.tally_rebuild() == len(kept)
    assert _tally_rows() == kept
    migration = importlib.import_module("lianjian.projects.migrations.0005_day_tally")
    DayTally.objects.all().delete()
    migration.backfill(apps, None)
    assert _tally_rows() == kept
    # rows written around the services join through `tally_add_rows` (the demo's path)
    DayTally.objects.all().delete()
    services_tally.tally_add_rows(Item.objects.values_list("pk", flat=True))
    assert _tally_rows() == kept


def test_periods_end_at_the_platform_midnight(tree: Any, personas: Any) -> None:
    """Asia/Shanghai days: 23:30 on 31 March is March, 00:30 on 1 April (16:30 UTC on
    31 March) is April, for the tallies as for the rows."""
    org = make_party_org(region=tree.community_a1)
    reg = register_org(org, tree.community_a1)
    moments = (
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI),
        dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI),
    )
    for n, moment in enumerate(moments):
        with time_machine.travel(moment, tick=False):
            item = make_item(tree.community_a1, Kind.PROBLEM, title=f"难题{n}")
            claim = services.claim_create(item, registration=reg)
            services_delivery.claim_deliver(
                claim, delivered_value="100", value_kind="money", people_helped=n + 1, note="好"
            )
            services_delivery.claim_confirm(claim)
    assert sorted(DayTally.objects.values_list("day", flat=True)) == [
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 1),
    ]
    for (start, end), people in (
        ((dt.date(2026, 3, 1), dt.date(2026, 3, 31)), 1),
        ((dt.date(2026, 4, 1), dt.date(2026, 4, 1)), 2),
    ):
        for report in (
            selectors.community_report(personas.street_staff, start, end),
            selectors.community_report_rows(personas.street_staff, start, end),
        ):
            t = report.total
            assert (t.published, t.claimed, t.confirmed, t.problems_solved) == (1, 1, 1, 1)
            assert (t.people, t.value) == (people, 100)


def test_the_report_reads_the_tallies_in_one_statement(
    tree: Any, personas: Any, django_assert_num_queries: Any
) -> None:
    reg = register_org(make_party_org(region=tree.community_a1), tree.community_a1)
    claim = services.claim_create(make_item(tree.community_a1), registration=reg)
    services_delivery.claim_confirm(
        services_delivery.claim_deliver(
            claim, delivered_value="12.34", value_kind="goods", people_helped=2, note="好"
        )
    )
    start, end = selectors.period({})
    grants_with_perm(personas.street_staff, selectors.REPORT)  # cached with the authentication
    with django_assert_num_queries(2):  # the communities in scope, the tallies' sums
        report = selectors.community_report(personas.street_staff, start, end)
    assert report.total.value == Decimal("12.34") and report.total.people == 2
    # the sibling community's secretary and an outsider see none of it
    assert selectors.community_report(personas.secretary_a2, start, end).total.confirmed == 0
    assert selectors.community_report(personas.outsider, start, end).rows == []


def test_the_tally_refuses_a_figure_below_zero(tree: Any) -> None:
    key = dict.fromkeys(TALLY_KEY[:4], tree.community_a1.pk) | {
        "programme": "",
        "day": dt.date(2026, 4, 1),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        tally_bump(DayTally, key, {"claimed": -1})  # no row: created below zero
    tally_bump(DayTally, key, {"claimed": 1, "confirmed": 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        tally_bump(DayTally, key, {"claimed": -2})
    with pytest.raises(IntegrityError), transaction.atomic():
        tally_bump(DayTally, key, {"on_time": 2})  # more on time than confirmed
    with pytest.raises(IntegrityError), transaction.atomic():
        DayTally.objects.create(**key)  # the key is unique
    assert DayTally.objects.get().claimed == 1


# ---------------------------------------------------------------- the phone list (P2)


def test_the_claimant_ids_are_one_statement(
    tree: Any, personas: Any, django_assert_num_queries: Any
) -> None:
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    # the unit admin is also a member: both kinds of ids come back from the one read
    tree.member_a2.user = personas.unit_admin
    tree.member_a2.save(update_fields=["user"])
    grant_add(personas.unit_admin, Role.UNIT_ADMIN, party_org=tree.org_a1)
    user = type(personas.unit_admin).objects.get(pk=personas.unit_admin.pk)
    grants_with_perm(user, access.CLAIM)  # the grants: cached with the authentication
    with django_assert_num_queries(1):
        org_ids, member_ids = access._acting_ids(user)
    assert sorted(org_ids) == sorted([tree.org_building.pk, tree.org_a1.pk])
    assert member_ids == [tree.member_a2.pk]
    with django_assert_num_queries(0):
        assert access._acting_ids(user) == (org_ids, member_ids)


def test_the_open_list_counts_only_when_the_page_does_not_tell(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from django.db import connection

    register_org(tree.org_building, tree.community_a1)
    ids = [make_item(tree.community_a1, title=f"愿望{n}").pk for n in range(3)]
    client = client_for(personas.unit_admin)

    def get(query: str) -> tuple[dict[str, Any], int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/projects/items?open=true" + query)
        assert r.status_code == 200, r.content
        return r.json(), len(ctx.captured_queries)

    get("")  # the first request of a session may write (login bookkeeping)
    short, short_queries = get("&limit=20")
    full, full_queries = get("&limit=3")
    assert [i["id"] for i in short["items"]] == sorted(ids, reverse=True)
    assert short["count"] == full["count"] == 3
    assert short_queries == full_queries - 1  # the short first page needs no count
    for query, rows in (("&limit=2", 2), ("&limit=2&offset=2", 1), ("&offset=5", 0)):
        page, _ = get(query)
        assert (len(page["items"]), page["count"]) == (rows, 3), query
