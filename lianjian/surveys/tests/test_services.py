from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.core.models import Notification
from lianjian.surveys import selectors, services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import Answer, Response, Survey, SurveyVersion, Target
from lianjian.surveys.tests.factories import DEFINITION, GOOD, open_unit_survey, unit_survey

pytestmark = pytest.mark.django_db


def _answer(survey: Any, user: Any, answers: dict, submit: bool = True) -> Response:
    who = services.respondent_for(survey, user)
    return services.response_save(
        survey,
        respondent_key=who["key"],
        unit=who["unit"],
        user=user,
        respondent_name=who["name"],
        answers=answers,
        submit=submit,
    )


def test_open_sends_to_every_unit_of_the_street(tree: Any, personas: Any) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    assert survey.status == Survey.Status.OPEN
    units = set(Target.objects.filter(survey=survey).values_list("unit_id", flat=True))
    assert units == {tree.unit_a1.pk, tree.unit_a2.pk, tree.unit_building.pk}
    assert (
        Notification.objects.filter(recipient=personas.unit_admin, kind="surveys.new").count() == 1
    )


def test_audience_by_area_and_list(tree: Any, personas: Any) -> None:
    s = open_unit_survey(tree, personas.street_staff, target_area=tree.building_a)
    assert list(Target.objects.filter(survey=s).values_list("unit_id", flat=True)) == [
        tree.unit_building.pk
    ]
    s = open_unit_survey(tree, personas.street_staff, unit_ids=[tree.unit_a2.pk])
    assert s.target_count == 1
    with pytest.raises(SurveyError, match="指定单位不在发起单位的辖区内"):
        unit_survey(
            tree, personas.street_staff, region=tree.community_a1, unit_ids=[tree.unit_a2.pk]
        )


def test_unit_admin_answers_once_for_the_unit(tree: Any, personas: Any) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    assert list(selectors.surveys_to_answer(personas.unit_admin)) == [survey]
    response = _answer(survey, personas.unit_admin, GOOD)
    assert response.respondent_key == f"unit:{tree.unit_building.pk}"
    assert response.street_id == tree.street_a.pk and response.area_id == tree.building_a.pk
    assert Answer.objects.filter(response=response).count() == 5
    assert list(selectors.surveys_to_answer(personas.unit_admin)) == []
    with pytest.raises(SurveyError, match="您已提交过本问卷"):
        _answer(survey, personas.unit_admin, GOOD)
    survey.refresh_from_db()
    assert survey.submitted_count == 1


def test_outsiders_cannot_answer_a_unit_survey(tree: Any, personas: Any) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    for user in (personas.member, personas.secretary_a1, personas.outsider):
        with pytest.raises(SurveyError, match="不在本问卷的发放范围内"):
            services.respondent_for(survey, user)


def test_draft_resumes_and_submit_validates(tree: Any, personas: Any) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    draft = _answer(survey, personas.unit_admin, {"sat": 2}, submit=False)
    assert draft.status == Response.Status.DRAFT
    resumed = services.draft_of(survey, draft.respondent_key)
    assert resumed is not None and resumed.answers == {"sat": 2}
    with pytest.raises(SurveyError) as exc:
        _answer(survey, personas.unit_admin, {"sat": 2})
    assert exc.value.errors == {"needs": "此题为必答题", "size": "此题为必答题"}  # type: ignore[attr-defined]
    assert not Answer.objects.exists()
    done = _answer(survey, personas.unit_admin, GOOD)
    assert done.pk == draft.pk and done.status == Response.Status.SUBMITTED


def test_definition_frozen_once_answered_makes_a_new_version(tree: Any, personas: Any) -> None:
    survey = unit_survey(tree, personas.street_staff)
    changed = {"questions": DEFINITION["questions"][:3]}
    v = services.survey_define(survey, changed, actor=personas.street_staff)
    assert v.number == 1  # nobody answered: edited in place
    services.survey_open(survey, actor=personas.street_staff)
    _answer(survey, personas.unit_admin, GOOD)
    v2 = services.survey_define(survey, DEFINITION, actor=personas.street_staff)
    assert v2.number == 2
    first = SurveyVersion.objects.get(survey=survey, number=1)
    assert len(first.definition["questions"]) == 3 and first.frozen
    assert Response.objects.get(survey=survey).version_id == first.pk


def test_window_and_closing(tree: Any, personas: Any) -> None:
    now = timezone.now()
    survey = open_unit_survey(
        tree,
        personas.street_staff,
        opens_at=now + dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
    )
    with pytest.raises(SurveyError, match="问卷尚未开始"):
        _answer(survey, personas.unit_admin, GOOD)
    with time_machine.travel(now + dt.timedelta(days=6)):
        result = services.surveys_tick()
    assert result["closed"] == 1
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    with pytest.raises(SurveyError, match="问卷已结束"):
        _answer(survey, personas.unit_admin, GOOD)
    with pytest.raises(SurveyError, match="截止时间应晚于开始时间"):
        unit_survey(tree, personas.street_staff, opens_at=now, closes_at=now)


def test_reminders_go_to_non_responders_every_few_days(tree: Any, personas: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        survey = open_unit_survey(
            tree, personas.street_staff, closes_at=start + dt.timedelta(days=20)
        )
    kind = "surveys.reminder"
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assert services.surveys_tick()["reminded"] == 0  # too early
    with time_machine.travel(start + dt.timedelta(days=3, hours=1), tick=False):
        assert services.surveys_tick()["reminded"] == 1
        assert Notification.objects.filter(recipient=personas.unit_admin, kind=kind).count() == 1
        _answer(survey, personas.unit_admin, GOOD)
    with time_machine.travel(start + dt.timedelta(days=4), tick=False):
        assert services.surveys_tick()["reminded"] == 0  # reminded a day ago
    with time_machine.travel(start + dt.timedelta(days=7), tick=False):
        assert services.surveys_tick()["reminded"] == 1
    # the unit that answered is not reminded again
    assert Notification.objects.filter(recipient=personas.unit_admin, kind=kind).count() == 1
    assert Target.objects.get(survey=survey, unit=tree.unit_a1).reminded == 2


def test_public_link_one_answer_per_person(tree: Any, personas: Any) -> None:
    survey = unit_survey(tree, personas.street_staff, audience="public", login_required=True)
    services.survey_open(survey, actor=personas.street_staff)
    _answer(survey, personas.member, GOOD)
    with pytest.raises(SurveyError, match="您已提交过本问卷"):
        _answer(survey, personas.member, GOOD)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(SurveyError, match="请先登录"):
        services.respondent_for(survey, AnonymousUser())
    anon = unit_survey(tree, personas.street_staff, audience="public", anonymous=True)
    services.survey_open(anon, actor=personas.street_staff)
    r = services.response_save(
        anon,
        respondent_key="anon:abc",
        answers=GOOD,
        submit=True,
        user=personas.member,
        respondent_name="陈一",
    )
    assert r.user is None and r.respondent_name == ""  # anonymous keeps no name


def test_members_audience(tree: Any, personas: Any) -> None:
    survey = unit_survey(tree, personas.street_staff, audience="members")
    services.survey_open(survey, actor=personas.street_staff)
    assert survey.target_count == 2  # 陈一 and 林二 in 虹桥街道
    r = _answer(survey, personas.member, GOOD)
    assert r.respondent_key == f"member:{tree.member_a1.pk}"
