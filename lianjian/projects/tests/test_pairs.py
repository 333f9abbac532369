"""帮扶对子: pairing a registered unit with a household, visits with value, the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianjian.projects import selectors, services_pairs
from lianjian.projects.models import Pair, PairVisit
from lianjian.projects.services import ProjectError
from lianjian.projects.tests.factories import register_member, register_org

pytestmark = pytest.mark.django_db


def test_pairs_log_visits_and_sum_in_the_report(tree: Any, personas: Any) -> None:
    today = timezone.localdate()
    reg = register_org(tree.org_a1, tree.community_a1)
    with pytest.raises(ProjectError, match="同意"):
        services_pairs.pair_create(
            registration=reg, household_name="周家", people=3, consent=False, started_on=today
        )
    with pytest.raises(ProjectError, match="共建单位"):
        services_pairs.pair_create(
            registration=register_member(tree.member_a1, tree.community_a1),
            household_name="周家",
            people=3,
            consent=True,
            started_on=today,
        )
    pair = services_pairs.pair_create(
        registration=reg,
        household_name="周家",
        people=3,
        consent=True,
        started_on=today - dt.timedelta(days=40),
        household_note="母亲重病",
    )
    assert pair.community_id == tree.community_a1.pk
    services_pairs.pair_visit_log(
        pair, visited_on=today - dt.timedelta(days=30), note="送米面油", value="300"
    )
    services_pairs.pair_visit_log(pair, visited_on=today, note="助学金", value="1000")
    with pytest.raises(ProjectError, match="早于结对日期"):
        services_pairs.pair_visit_log(pair, visited_on=today - dt.timedelta(days=60), note="x")
    with pytest.raises(ProjectError):
        services_pairs.pair_visit_log(pair, visited_on=today + dt.timedelta(days=1), note="x")
    start, end = selectors.period(
        {"start": (today - dt.timedelta(days=90)).isoformat(), "end": today.isoformat()}
    )
    rows = {r.name: r for r in selectors.pairs_report(personas.street_staff, start, end)}
    assert (rows["虹储居民区"].pairs, rows["虹储居民区"].visits) == (1, 2)
    assert rows["虹储居民区"].value == 1300 and rows["虹储居民区"].people == 3
    assert selectors.pairs_report(personas.secretary_a2, start, end) == []
    services_pairs.pair_end(pair, ended_on=today)
    pair.refresh_from_db()
    assert pair.household_note == ""
    with pytest.raises(ProjectError, match="已结束"):
        services_pairs.pair_visit_log(pair, visited_on=today, note="再来")
    assert Pair.objects.count() == 1 and PairVisit.objects.count() == 2
