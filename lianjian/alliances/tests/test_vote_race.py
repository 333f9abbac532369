"""One vote per unit under 16 parallel requests on PostgreSQL (QUALITY R1).

Every client is logged in and warmed before the race; each thread records its
outcome and closes its own connection; SQLite serializes writers anyway: PG only.
"""

from __future__ import annotations

import json
import threading
import traceback
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from lianjian.alliances.models import Vote
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.tests.factories import make_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real parallel requests need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
]

PARALLEL = 16
ROUNDS = 5


def _race(clients: list[Client], url: str, body: str) -> list[int | str]:
    barrier = threading.Barrier(len(clients), timeout=60)
    results: list[int | str] = []
    lock = threading.Lock()

    def fire(c: Client) -> None:
        from django.db import connections

        outcome: int | str
        try:
            barrier.wait()
            outcome = c.post(url, body, content_type="application/json").status_code
        except Exception:
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


def test_parallel_votes_of_one_unit_have_one_winner(tree: Any, personas: Any) -> None:
    for n in range(ROUNDS):
        world = make_world(tree) if n == 0 else None
        if world is None:
            from lianjian.alliances.models import Body

            body = Body.objects.get(name="虹桥街道联席会议")
            from lianjian.alliances.tests.factories import schedule

            meeting = schedule(body, title=f"第 {n} 次会议")
            proposal = proposal_services.proposal_create(
                body=body, unit=tree.unit_a1, title=f"议案 {n}", content="c", category="other"
            )
        else:
            meeting, proposal = world.meeting, world.proposal
        proposal_services.proposal_accept(proposal)
        proposal_services.proposal_put_on_agenda(proposal, meeting=meeting)
        meeting_services.attendance_mark(meeting, unit=tree.unit_a1)
        meeting_services.meeting_hold(meeting)
        clients = []
        for i in range(PARALLEL):
            c = Client()
            c.force_login([personas.street_staff, personas.district_admin][i % 2])
            assert c.get(f"/api/v1/alliances/proposals/{proposal.pk}").status_code == 200
            clients.append(c)
        url = f"/api/v1/alliances/proposals/{proposal.pk}/votes"
        results = _race(clients, url, json.dumps({"unit": tree.unit_a1.pk, "choice": "yes"}))
        assert sorted(results, key=str) == [201] + [409] * (PARALLEL - 1)
        assert Vote.objects.filter(proposal=proposal, unit=tree.unit_a1).count() == 1
