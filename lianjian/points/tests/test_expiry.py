"""Expiry by the street's scheme: the oldest award is spent first (FIFO)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from lianjian.points import services
from lianjian.points.models import Cause, Entry
from lianjian.points.selectors import balance_of

pytestmark = pytest.mark.django_db


def test_oldest_award_spent_first(enrolled: Any, tree: Any) -> None:
    services.scheme_save(tree.street_a, actor=None, expiry_enabled=True, expiry_days=30)
    with time_machine.travel(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)):
        services.adjust(enrolled, points=10, reason="一月", actor=None)
    with time_machine.travel(dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC)):
        services.adjust(enrolled, points=10, reason="一月下旬", actor=None)
        services.spend(enrolled, points=4, key="s1", actor=None)  # from the first award
    with time_machine.travel(dt.datetime(2026, 2, 5, 9, tzinfo=dt.UTC)):
        assert services.expire_all() == 6  # what is left of the first award
        assert services.expire_all() == 0  # a second run writes nothing
        assert balance_of(enrolled.pk) == 10
    with time_machine.travel(dt.datetime(2026, 2, 25, 9, tzinfo=dt.UTC)):
        assert services.expire_all() == 10
    assert balance_of(enrolled.pk) == 0
    assert Entry.objects.filter(cause=Cause.EXPIRY).count() == 2
    assert services.check_balances() == []


def test_no_expiry_unless_enabled(enrolled: Any) -> None:
    with time_machine.travel(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)):
        services.adjust(enrolled, points=10, reason="旧", actor=None)
    assert services.expire_all() == 0
    assert balance_of(enrolled.pk) == 10
