from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.orgs.access import scope_q
from lianjian.surveys import satisfaction, services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import Survey

pytestmark = pytest.mark.django_db


def _rate_all(survey: Any, units: list[Any], scores: list[int]) -> None:
    items = [
        (f"unit:{u.pk}", u, {"d1": s, "d2": 5, "s1": 4}, timezone.now())
        for u, s in zip(units, scores, strict=True)
    ]
    services.responses_bulk_submit(survey, items)


def test_every_quarter_the_tick_sends_one_evaluation(tree: Any, personas: Any) -> None:
    schedule = satisfaction.schedule_create(
        region=tree.street_a,
        departments=["民政科", "文体中心"],
        items=["午餐服务"],
        actor=personas.street_staff,
    )
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        assert services.surveys_tick()["started"] == 1
        assert services.surveys_tick()["started"] == 0  # once per quarter
    first = Survey.objects.get(schedule=schedule)
    assert first.quarter == "2026Q1" and first.status == "open" and first.target_count == 3
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        assert services.surveys_tick() == {"closed": 1, "reminded": 0, "started": 0}
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False):
        assert services.surveys_tick()["started"] == 1
    assert list(Survey.objects.filter(schedule=schedule).values_list("quarter", flat=True)) == [
        "2026Q2",
        "2026Q1",
    ]


def test_department_trend_per_quarter(tree: Any, personas: Any) -> None:
    schedule = satisfaction.schedule_create(
        region=tree.street_a,
        departments=["民政科", "文体中心"],
        items=["午餐服务"],
        actor=personas.street_staff,
    )
    units = [tree.unit_a1, tree.unit_a2, tree.unit_building]
    start = timezone.now() - dt.timedelta(days=200)
    q1 = satisfaction.schedule_send(schedule, "2026Q1", opens_at=start, quiet=True)
    q2 = satisfaction.schedule_send(schedule, "2026Q2", opens_at=start, quiet=True)
    assert q1 is not None and q2 is not None
    _rate_all(q1, units, [5, 2, 3])  # 1 of 3 satisfied
    _rate_all(q2, units, [5, 4, 3])  # 2 of 3
    trend = satisfaction.department_trend(
        Survey.objects.all(), scope_q(personas.street_staff, "surveys.report")
    )
    assert trend["quarters"] == ["2026Q1", "2026Q2"]
    lines = {line["name"]: line for line in trend["lines"]}
    assert lines["民政科"]["rates"] == [33.3, 66.7] and lines["民政科"]["change"] == 33.4
    assert lines["文体中心"]["rates"] == [100.0, 100.0]
    assert lines["午餐服务"]["group"] == "item"
    # a community secretary counts only the ratings of units in the community
    mine = satisfaction.department_trend(
        Survey.objects.all(), scope_q(personas.secretary_a1, "surveys.report")
    )
    assert {line["name"]: line["rates"] for line in mine["lines"]}["民政科"] == [100.0, 100.0]


def test_schedule_refusals(tree: Any, personas: Any) -> None:
    with pytest.raises(SurveyError, match="须由街道设立"):
        satisfaction.schedule_create(
            region=tree.community_a1, departments=["民政科"], actor=personas.street_staff
        )
    with pytest.raises(SurveyError, match="请至少填写一个被测评部门"):
        satisfaction.schedule_create(
            region=tree.street_a, departments=[], actor=personas.street_staff
        )
    with pytest.raises(SurveyError, match="被测评部门有重复"):
        satisfaction.schedule_create(
            region=tree.street_a, departments=["民政科", "民政科"], actor=personas.street_staff
        )


def test_satisfaction_page(tree: Any, personas: Any, client_for: Any) -> None:
    schedule = satisfaction.schedule_create(
        region=tree.street_a, departments=["民政科"], actor=personas.street_staff
    )
    q1 = satisfaction.schedule_send(schedule, "2026Q1", quiet=True)
    assert q1 is not None
    _rate_all(q1, [tree.unit_a1], [4])
    body = client_for(personas.street_staff).get("/surveys/satisfaction/").content.decode()
    assert "民政科" in body and "100.0%" in body and 'data-chart="trend-chart"' in body
