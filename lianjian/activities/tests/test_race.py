"""16 parallel sign-ups for the last place on PostgreSQL (QUALITY R1): exactly one wins it.

Each thread has its own connection and signs up at one instant; the others
land on the waiting list, and the counter never passes the capacity.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from lianjian.activities import services
from lianjian.activities.models import Event, Signup
from lianjian.activities.tests.factories import make_event, make_volunteer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 16
ROUNDS = 4


def _race(event: Event, volunteers: list[Any]) -> list[str]:
    barrier = threading.Barrier(len(volunteers), timeout=60)
    results: list[str] = []
    lock = threading.Lock()

    def fire(v: Any) -> None:
        from django.db import connections

        try:
            barrier.wait()
            outcome = services.signup_create(event, v).status
        except Exception as exc:
            outcome = f"error: {exc!r}"[:300]
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=fire, args=(v,)) for v in volunteers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a sign-up hung"
    return results


def test_sixteen_parallel_signups_for_the_last_place(tree: Any) -> None:
    volunteers = [make_volunteer(tree.community_a1) for _ in range(PARALLEL + 1)]
    for _ in range(ROUNDS):
        event = make_event(tree.community_a1, capacity=2)
        services.signup_create(event, volunteers[-1])  # one place left
        results = _race(event, volunteers[:PARALLEL])
        assert sorted(results) == ["confirmed"] + ["waiting"] * (PARALLEL - 1)
        event.refresh_from_db()
        assert event.taken == 2
        assert Signup.objects.filter(event=event, status="confirmed").count() == 2
