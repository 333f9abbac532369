"""Sixteen parallel confirmations of one reviewed rating: exactly one moves it (QUALITY R1).

The row is locked (`select_for_update`) and each request carries the version it read;
SQLite serializes writers anyway, so this runs on PostgreSQL only.
"""

from __future__ import annotations

import json
import threading
import traceback
from typing import Any

import pytest
from django.test import Client

from lianjian.ratings import flow
from lianjian.ratings.models import Rating, RatingEvent, RatingStatus
from lianjian.ratings.tests.factories import manual_ids, open_round

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PARALLEL = 16


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


def test_one_confirmation_wins(personas: Any, tree: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    flow.self_assessment_save(
        rating,
        scores={
            ids["组织生活"]: {"score": 9, "evidence_text": "记录"},
            ids["党员教育"]: {"score": 9},
        },
        actor=personas.unit_admin,
    )
    flow.rating_submit(rating, actor=personas.unit_admin)
    rating = flow.rating_review(rating, actor=personas.street_staff)
    clients = []
    for _ in range(PARALLEL):
        c = Client()
        c.force_login(personas.district_admin)
        c.get("/api/v1/ratings/ratings?limit=1")
        clients.append(c)
    body = json.dumps({"decision": "confirm", "version": rating.version})
    results = _race(clients, f"/api/v1/ratings/ratings/{rating.pk}/confirm", body)
    assert sorted(str(r) for r in results).count("200") == 1, results
    assert all(r in (200, 400, 409) for r in results), results
    rating.refresh_from_db()
    assert rating.status == RatingStatus.CONFIRMED
    assert RatingEvent.objects.filter(rating=rating, to_status=RatingStatus.CONFIRMED).count() == 1
