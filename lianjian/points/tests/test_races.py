"""16 concurrent awards and spends on one member (PostgreSQL): the balance stays the sum.

The balance row is locked before the entry is written and moved by a conditional
UPDATE, so no spend takes the balance below zero and no award is lost.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

import pytest

from lianjian.points import services
from lianjian.points.models import Entry
from lianjian.points.selectors import balance_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PARALLEL = 16


def test_balance_invariant_under_parallel_awards_and_spends(enrolled: Any) -> None:
    services.adjust(enrolled, points=30, reason="期初", actor=None)
    barrier = threading.Barrier(PARALLEL, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        from django.db import connections

        from lianjian.orgs.models import Member

        member = Member.objects.get(pk=enrolled.pk)
        try:
            barrier.wait()
            if i % 2:
                services.adjust(member, points=5, reason=f"奖励{i}", actor=None)
                outcome = "award"
            else:
                try:
                    services.spend(member, points=10, key=f"spend-{i}", actor=None)
                    outcome = "spent"
                except services.PointsError:
                    outcome = "short"
        except Exception:
            outcome = "error: " + traceback.format_exc(limit=3)[-400:]
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == PARALLEL, outcomes
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    spent = outcomes.count("spent")
    assert outcomes.count("award") == 8
    assert spent >= 3  # the opening 30 alone pays three spends, whatever the order
    assert balance_of(enrolled.pk) == 30 + 8 * 5 - 10 * spent
    assert sum(Entry.objects.filter(member=enrolled).values_list("points", flat=True)) == (
        balance_of(enrolled.pk)
    )
    assert services.check_balances() == []
