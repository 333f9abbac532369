"""Parallel requests on PostgreSQL (R1): exactly one dispatch wins; no check races its write.

Transactional tests need a database whose flush is not blocked by the audit
table's append-only triggers, and SQLite serializes writers anyway: PG only.

The harness is built so that a round can only fail on a real race: every
client is logged in and has loaded the page once before the race (a cold
URL resolver, template cache or session would otherwise be raced too), each
thread records an exception as its outcome instead of dying silently, the
barrier has a timeout, and each thread closes its own connection.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,  # real parallel requests need PostgreSQL
]

PARALLEL = 16
ROUNDS = 5


def _outcome(text: str) -> str:
    if "操作成功" in text:
        return "won"
    if "已被他人处理" in text:
        return "lost"
    # anything else: the page's messages (or its title) say what happened
    at = text.find('<ul class="messages">')
    return "other: " + (text[at : at + 300] if at >= 0 else text[text.find("<title>") :][:200])


def _race(clients: list[Client], request: Callable[[Client], str]) -> list[str]:
    """Every client fires `request` at the same instant; returns one outcome per client."""
    barrier = threading.Barrier(len(clients), timeout=60)
    results: list[str] = []
    lock = threading.Lock()

    def fire(c: Client) -> None:
        from django.db import connections

        try:
            barrier.wait()
            outcome = request(c)
        except Exception:  # recorded, so the assertion shows it instead of a short list
            outcome = "error: " + traceback.format_exc(limit=3)[-400:]
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=fire, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def _warm_clients(users: list[Any], need_id: int) -> list[Client]:
    clients = []
    for i in range(PARALLEL):
        c = Client()
        c.force_login(users[i % len(users)])
        assert c.get(f"/needs/{need_id}/").status_code == 200
        clients.append(c)
    return clients


def test_parallel_dispatch_has_one_winner(world: Any, personas: Any, submit: Any) -> None:
    from lianjian.needs.models import NeedEvent, NeedSummary, TriageCorrection

    dispatchers = [personas.street_staff, personas.district_admin]
    payload = {"category": world.charity.pk, "department": world.civil.pk, "version": 1}
    for _ in range(ROUNDS):
        need = submit()
        clients = _warm_clients(dispatchers, need.pk)
        url = f"/needs/{need.pk}/dispatch/"

        def dispatch(c: Client, url: str = url) -> str:
            return _outcome(c.post(url, payload, follow=True).content.decode())

        results = _race(clients, dispatch)
        assert sorted(results) == ["lost"] * (PARALLEL - 1) + ["won"]
        need.refresh_from_db()
        assert need.status == "dispatched" and need.version == 2
        assert need.department_id == world.civil.pk
        assert NeedEvent.objects.filter(need=need, action="dispatch").count() == 1
        assert TriageCorrection.objects.filter(need=need).count() == 1
        summary = NeedSummary.objects.get(need=need)
        assert summary.status == "dispatched" and summary.department_id == world.civil.pk


def test_parallel_callbacks_rate_once_and_all_are_kept(
    world: Any, personas: Any, submit: Any
) -> None:
    """Callbacks read the status under the need's lock: the first rates, the rest are recorded.

    With an unlocked read every caller saw 已答复, all but one then failed to
    rate and lost their callback record.
    """
    from lianjian.needs import services as S
    from lianjian.needs.models import Callback, NeedEvent

    # anonymous: the default logging SMS backend would log the submitter's phone on commit
    need = submit(submitter_kind="anonymous", submitter_name="", contact_phone="")
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已上门走访并落实帮扶")
    clients = _warm_clients([personas.street_staff, personas.district_admin], need.pk)
    results = _race(
        clients,
        lambda c: _outcome(
            c.post(
                f"/needs/{need.pk}/callback/", {"rating": "satisfied", "note": "满意"}, follow=True
            ).content.decode()
        ),
    )
    assert results == ["won"] * PARALLEL
    need.refresh_from_db()
    assert need.status == "rated" and need.rating == "satisfied"
    assert NeedEvent.objects.filter(need=need, action="rate").count() == 1
    assert Callback.objects.filter(need=need).count() == PARALLEL
