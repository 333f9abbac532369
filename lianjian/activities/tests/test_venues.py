"""Venue bookings: opening hours, owner approval, never two approved overlaps (also in parallel)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.models import Booking, Venue
from lianjian.activities.services import ActivityError


def _venue(region: Any) -> Venue:
    return services.venue_create(
        actor=None, name="党群服务站多功能厅", region=region, capacity=40,
        opens_at=dt.time(8, 0), closes_at=dt.time(21, 0),
    )  # fmt: skip


def _slot(days: int = 3, hour: int = 9, length: int = 2) -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate() + dt.timedelta(days=days)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return start, start + dt.timedelta(hours=length)


@pytest.mark.django_db
def test_booking_rules_and_approval(tree: Any, personas: Any) -> None:
    venue = _venue(tree.community_a1)
    start, end = _slot()
    with pytest.raises(ActivityError, match="开放时间"):
        services.booking_request(
            venue, actor=None, starts_at=start.replace(hour=6), ends_at=end, purpose="x"
        )
    with pytest.raises(ActivityError, match="人数"):
        services.booking_request(
            venue, actor=None, starts_at=start, ends_at=end, purpose="x", attendees=99
        )
    a = services.booking_request(
        venue, actor=personas.member, starts_at=start, ends_at=end, purpose="支部学习"
    )
    b = services.booking_request(
        venue,
        actor=None,
        starts_at=start + dt.timedelta(hours=1),
        ends_at=end + dt.timedelta(hours=1),
        purpose="联谊",
    )
    services.booking_decide(a, actor=personas.secretary_a1, approve=True)
    with pytest.raises(ActivityError, match="已批准了其他预约"):
        services.booking_decide(b, actor=personas.secretary_a1, approve=True)
    with pytest.raises(ActivityError, match="已被预约"):
        services.booking_request(venue, actor=None, starts_at=start, ends_at=end, purpose="再约")
    # back to back is no overlap
    services.booking_decide(
        services.booking_request(venue, actor=None, starts_at=end, ends_at=end + dt.timedelta(hours=1), purpose="接续"),
        actor=personas.secretary_a1, approve=True,
    )  # fmt: skip
    with pytest.raises(ActivityError, match="审批意见"):
        services.booking_decide(b, actor=personas.secretary_a1, approve=False)
    services.booking_decide(b, actor=personas.secretary_a1, approve=False, reason="时段冲突")
    assert Booking.objects.filter(venue=venue, status="approved").count() == 2


def _race(pending: list[Booking]) -> list[str]:
    barrier = threading.Barrier(len(pending), timeout=60)
    results: list[str] = []
    lock = threading.Lock()

    def fire(b: Booking) -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.booking_decide(b, actor=None, approve=True)
            outcome = "won"
        except ActivityError:
            outcome = "lost"
        except Exception as exc:
            outcome = f"error {exc!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=fire, args=(b,)) for b in pending]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_overlapping_bookings(tree: Any) -> None:
    venue = _venue(tree.community_a1)
    for round_ in range(3):
        start, end = _slot(days=2 + round_)
        pending = [
            services.booking_request(
                venue, actor=None, starts_at=start + dt.timedelta(minutes=5 * i),
                ends_at=end + dt.timedelta(minutes=5 * i), purpose=f"申请{i}",
            )
            for i in range(16)
        ]  # fmt: skip
        results = _race(pending)
        assert sorted(results) == ["lost"] * 15 + ["won"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_exclusion_constraint_refuses_a_raw_overlap(tree: Any) -> None:
    assert connection.vendor == "postgresql"
    venue = _venue(tree.community_a1)
    start, end = _slot()
    Booking.objects.create(
        venue=venue, starts_at=start, ends_at=end, purpose="a", status="approved"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            venue=venue, starts_at=start + dt.timedelta(minutes=30), ends_at=end,
            purpose="b", status="approved",
        )  # fmt: skip
