"""Fixtures of the points tests: a street's rules and scheme, enrolled members, a shop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from lianjian.points import services
from lianjian.points.models import Cause, Rule


@dataclass
class Programme:
    attendance: Rule
    hours: Rule
    lesson: Rule
    claim: Rule


@pytest.fixture
def programme(tree: Any) -> Programme:
    start = dt.date(2020, 1, 1)

    def rule(cause: str, points: int, **extra: Any) -> Rule:
        data = {"cause": cause, "name": f"{cause}规则", "points": points, "valid_from": start}
        return services.rule_create(tree.street_a, actor=None, data={**data, **extra})

    services.scheme_save(tree.street_a, actor=None, gold_threshold=100, silver_threshold=50)
    return Programme(
        attendance=rule(Cause.ATTENDANCE, 10, period_cap=30, cap_period="month"),
        hours=rule(Cause.SERVICE_HOURS, 2),
        lesson=rule(Cause.LESSON, 5),
        claim=rule(Cause.CLAIM, 20),
    )


@pytest.fixture
def enrolled(tree: Any, programme: Programme) -> Any:
    services.enrol(tree.member_a1, actor=None)
    services.enrol(tree.member_a2, actor=None)
    return tree.member_a1
