from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lianjian.surveys import actions, selectors, services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import NeedLink
from lianjian.surveys.tests.factories import GOOD, open_unit_survey, unit_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(tree: Any, personas: Any) -> Any:
    """A street survey answered by all three units of 虹桥街道 (staff answer for the two others)."""
    survey = open_unit_survey(tree, personas.street_staff)
    a1 = unit_admin(tree.unit_a1, "admin_a1")
    a2 = unit_admin(tree.unit_a2, "admin_a2")
    sets = {
        personas.unit_admin: {**GOOD, "advice": "希望增加法律咨询讲座"},
        a1: {"needs": ["party"], "size": "l", "sat": 5, "grid": {"r1": "good"}},
        a2: {
            "needs": ["legal", "health"],
            "legal_detail": "知识产权",
            "size": "s",
            "sat": 2,
            "advice": "法律咨询太少",
        },
    }
    for user, answers in sets.items():
        who = services.respondent_for(survey, user)
        services.response_save(
            survey,
            respondent_key=who["key"],
            unit=who["unit"],
            user=user,
            answers=answers,
            submit=True,
        )
    return survey


def _q(res: Mapping[str, Any], key: str) -> dict:
    return next(q for q in res["questions"] if q["key"] == key)


def test_counts_shares_means_and_words(answered: Any, personas: Any) -> None:
    res = selectors.results(answered, personas.street_staff)
    assert res["respondents"] == 3
    assert res["rate"] == {"targets": 3, "submitted": 3, "rate": 100.0}
    needs = {o["key"]: (o["n"], o["share"]) for o in _q(res, "needs")["options"]}
    assert needs == {"party": (2, 66.7), "legal": (2, 66.7), "health": (1, 33.3)}
    assert _q(res, "sat")["mean"] == 3.67
    assert _q(res, "grid")["rows"][0]["cells"][0]["n"] == 1
    words = dict(_q(res, "advice")["words"])
    assert words["法律咨询"] == 2 or words.get("法律") == 2


def test_results_are_scoped(answered: Any, personas: Any, tree: Any) -> None:
    res = selectors.results(answered, personas.secretary_a1)
    assert res["respondents"] == 1  # only 虹储's unit lies in the secretary's community
    assert res["rate"]["targets"] == 1


def test_crosstab_of_two_questions_and_of_an_attribute(answered: Any, personas: Any) -> None:
    tab = selectors.crosstab(answered, personas.street_staff, "needs", "size")
    rows = {r["key"]: r["cells"] for r in tab["rows"]}
    assert tab["columns"] == ["50人以下", "50人及以上"]
    assert rows == {"party": [1, 1], "legal": [2, 0], "health": [1, 0]}
    tab = selectors.crosstab(answered, personas.street_staff, "size", "community")
    assert sorted(tab["columns"]) == ["虹仙居民区", "虹储居民区", "（无）"]
    with pytest.raises(ValueError, match="请选择另一道"):
        selectors.crosstab(answered, personas.street_staff, "needs", "needs")


def test_needs_raised_from_answers_once(answered: Any, personas: Any, tree: Any) -> None:
    out = actions.needs_raise(
        answered,
        actor=personas.street_staff,
        question_key="needs",
        option="legal",
        contact_phone="13800138000",
    )
    assert out == {"created": 2}
    links = NeedLink.objects.filter(survey=answered)
    assert {link.response.unit_id for link in links} == {tree.unit_building.pk, tree.unit_a2.pk}
    from lianjian.needs.selectors import need_rows

    needs = need_rows([link.need_id for link in links])
    assert {n.channel for n in needs} == {"survey"}
    assert all("法律服务" in n.text for n in needs)
    again = actions.needs_raise(
        answered,
        actor=personas.street_staff,
        question_key="needs",
        option="legal",
        contact_phone="13800138000",
    )
    assert again == {"created": 0}
    with pytest.raises(SurveyError, match="请选择该题的一个选项"):
        actions.needs_raise(
            answered,
            actor=personas.street_staff,
            question_key="needs",
            option="nope",
            contact_phone="13800138000",
        )


def test_tallies_agree_with_the_answer_rows(answered: Any, personas: Any) -> None:
    from django.db.models import Count, Sum

    from lianjian.surveys.models import Answer, Tally

    rows = Answer.objects.filter(survey=answered).exclude(option="")
    expected = {
        (a["question"], a["row"], a["option"]): a["n"]
        for a in rows.values("question", "row", "option").annotate(n=Count("id")).order_by()
    }
    kept = {
        (t["question"], t["row"], t["option"]): t["n"]
        for t in Tally.objects.filter(survey=answered)
        .exclude(row="*")
        .values("question", "row", "option")
        .annotate(n=Sum("n"))
        .order_by()
    }
    assert kept == expected
    answered_sat = Tally.objects.filter(survey=answered, question="sat", row="*").aggregate(
        n=Sum("n")
    )["n"]
    assert answered_sat == 3
