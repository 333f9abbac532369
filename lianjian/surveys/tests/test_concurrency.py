"""Parallel submissions on PostgreSQL: one response per unit, whatever the race."""

from __future__ import annotations

import threading
import traceback
from typing import Any

import pytest

from lianjian.surveys import services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import Answer, Response, Survey
from lianjian.surveys.tests.factories import GOOD, open_unit_survey

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PARALLEL = 12


def test_parallel_submissions_of_one_unit_keep_one_response(tree: Any, personas: Any) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    who = services.respondent_for(survey, personas.unit_admin)
    barrier = threading.Barrier(PARALLEL, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def fire() -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.response_save(
                survey,
                respondent_key=who["key"],
                unit=who["unit"],
                user=personas.unit_admin,
                answers=GOOD,
                submit=True,
            )
            outcome = "won"
        except SurveyError as exc:
            outcome = "lost" if "已提交过" in exc.message else "other: " + exc.message
        except Exception:
            outcome = "error: " + traceback.format_exc(limit=3)[-400:]
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=fire) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["lost"] * (PARALLEL - 1) + ["won"], outcomes
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(survey=survey).count() == 5
    assert Survey.objects.get(pk=survey.pk).submitted_count == 1
