"""Parallel claims on PostgreSQL (QUALITY R1): exactly the capacity wins, every time.

16 threads, each with its own connection, claim at one instant: the last slot
of an item (16 organizations), three slots of a service item, and — for the
"1+1" rule — 16 different hard problems by one organization. SQLite
serializes writers anyway; these run on PostgreSQL only.
"""

from __future__ import annotations

import functools
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from lianjian.orgs.tests.factories import make_party_org
from lianjian.projects import services
from lianjian.projects.models import Claim, ClaimStatus, Item, Kind
from lianjian.projects.services import ProjectError
from lianjian.projects.tests.factories import make_item, register_org

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real parallel claims need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
]

PARALLEL = 16
ROUNDS = 8


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    barrier = threading.Barrier(len(calls), timeout=60)
    results: list[str] = []
    lock = threading.Lock()

    def fire(call: Callable[[], Any]) -> None:
        from django.db import connections

        try:
            barrier.wait()
            call()
            outcome = "won"
        except ProjectError:
            outcome = "lost"
        except Exception:
            outcome = "error: " + traceback.format_exc(limit=3)[-400:]
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=fire, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a claim hung"
    return results


@pytest.mark.parametrize(("kind", "capacity"), [(Kind.WISH, 1), (Kind.SERVICE, 3)])
def test_parallel_claims_win_exactly_the_capacity(tree: Any, kind: str, capacity: int) -> None:
    regs = [
        register_org(make_party_org(region=tree.community_a1), tree.community_a1)
        for _ in range(PARALLEL)
    ]
    for _ in range(ROUNDS):
        item = make_item(tree.community_a1, kind, capacity=capacity)
        calls: list[Callable[[], Any]] = [
            functools.partial(services.claim_create, item, registration=r) for r in regs
        ]
        results = _race(calls)
        assert sorted(results) == ["lost"] * (PARALLEL - capacity) + ["won"] * capacity
        item.refresh_from_db()
        assert item.claimed_count == capacity
        assert Claim.objects.filter(item=item, status=ClaimStatus.CLAIMED).count() == capacity


def test_parallel_hard_problems_one_per_unit(tree: Any) -> None:
    for _ in range(ROUNDS):
        reg = register_org(make_party_org(region=tree.community_a1), tree.community_a1)
        problems = [
            make_item(tree.community_a1, Kind.PROBLEM, title=f"难题{n}") for n in range(PARALLEL)
        ]
        results = _race(
            [functools.partial(services.claim_create, i, registration=reg) for i in problems]
        )
        assert sorted(results) == ["lost"] * (PARALLEL - 1) + ["won"]
        assert Claim.objects.filter(registration=reg, status=ClaimStatus.CLAIMED).count() == 1
        # the losers' counters were rolled back with them
        assert (
            sum(
                Item.objects.filter(pk__in=[p.pk for p in problems]).values_list(
                    "claimed_count", flat=True
                )
            )
            == 1
        )


def test_parallel_ends_and_visits_of_a_pair(tree: Any) -> None:
    """One end wins; no visit is logged once the pair has ended (the row lock)."""
    import datetime as dt

    from django.utils import timezone

    from lianjian.projects import services_pairs
    from lianjian.projects.models import Pair, PairVisit

    today = timezone.localdate()
    reg = register_org(tree.org_a1, tree.community_a1)
    for _ in range(ROUNDS):
        pair = services_pairs.pair_create(
            registration=reg,
            household_name="周家",
            people=3,
            consent=True,
            started_on=today - dt.timedelta(days=5),
        )
        fresh = [Pair.objects.get(pk=pair.pk) for _ in range(PARALLEL)]
        calls: list[Callable[[], Any]] = [
            functools.partial(services_pairs.pair_end, p, ended_on=today) for p in fresh[:8]
        ] + [
            functools.partial(services_pairs.pair_visit_log, p, visited_on=today, note="看望")
            for p in fresh[8:]
        ]
        results = _race(calls)
        assert not [r for r in results if r.startswith("error")], results
        ended = Pair.objects.get(pk=pair.pk)
        visits = PairVisit.objects.filter(pair=pair)
        assert results.count("won") == 1 + visits.count()
        assert ended.ended_on == today
        assert all(v.created_at <= ended.updated_at for v in visits)
