"""Two dispatchers at once (R1): real parallel requests on PostgreSQL, exactly one wins.

Transactional tests need a database whose flush is not blocked by the audit
table's append-only triggers, and SQLite serializes writers anyway: PG only.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real parallel requests need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
]

PARALLEL = 16
ROUNDS = 5


def _fire_round(need_id: int, clients: list[Client], payload: dict[str, Any]) -> list[str]:
    """All clients post the same dispatch at the same instant; returns won/lost per client."""
    barrier = threading.Barrier(len(clients))
    results: list[str] = []
    lock = threading.Lock()

    def fire(c: Client) -> None:
        from django.db import connections

        try:
            barrier.wait()
            text = c.post(f"/needs/{need_id}/dispatch/", payload, follow=True).content.decode()
            outcome = (
                "won" if "操作成功" in text else "lost" if "已被他人处理" in text else text[:200]
            )
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fire, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_dispatch_has_one_winner(world: Any, personas: Any, submit: Any) -> None:
    from lianjian.needs.models import NeedEvent, TriageCorrection

    dispatchers = [personas.street_staff, personas.district_admin]
    payload = {"category": world.charity.pk, "department": world.civil.pk, "version": 1}
    for _ in range(ROUNDS):
        need = submit()
        clients = []
        for i in range(PARALLEL):
            c = Client()
            c.force_login(dispatchers[i % 2])
            clients.append(c)
        results = _fire_round(need.pk, clients, payload)
        assert sorted(results) == ["lost"] * (PARALLEL - 1) + ["won"]
        need.refresh_from_db()
        assert need.status == "dispatched" and need.version == 2
        assert need.department_id == world.civil.pk
        assert NeedEvent.objects.filter(need=need, action="dispatch").count() == 1
        assert TriageCorrection.objects.filter(need=need).count() == 1
