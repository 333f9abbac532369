from __future__ import annotations

import pytest

from lianjian.surveys.definition import (
    SurveyError,
    answer_rows,
    clean_answers,
    clean_definition,
)
from lianjian.surveys.tests.factories import DEFINITION, GOOD


def test_definition_is_cleaned_and_keeps_logic() -> None:
    d = clean_definition(DEFINITION)
    assert [q["key"] for q in d["questions"]][:3] == ["needs", "legal_detail", "size"]
    assert d["questions"][1]["show_if"] == {"question": "needs", "in": ["legal"]}
    assert d["questions"][3]["min"] == 1 and d["questions"][3]["max"] == 5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "问卷至少需要一道题"),
        ({"questions": [{"key": "a", "kind": "bogus", "title": "x"}]}, "第 1 题的题型无效"),
        ({"questions": [{"key": "a", "kind": "single", "title": "x"}]}, "第 1 题至少需要一个选项"),
        (
            {"questions": [{"key": "a", "kind": "text", "title": "x"}] * 2},
            "第 2 题的编号 a 与前面的题重复",
        ),
        (
            {
                "questions": [
                    {"key": "a", "kind": "text", "title": "x"},
                    {
                        "key": "b",
                        "kind": "text",
                        "title": "y",
                        "show_if": {"question": "a", "in": ["x"]},
                    },
                ]
            },
            "第 2 题的显示条件须引用前面的单选或多选题",
        ),
        (
            {"questions": [{"key": "a", "kind": "scale", "title": "x", "min": 5, "max": 1}]},
            "第 1 题的最小值应小于最大值",
        ),
        (
            {"questions": [{"key": "a b", "kind": "text", "title": "x"}]},
            "第 1 题的编号只能是 1–32 位字母、数字或下划线",
        ),
    ],
)
def test_bad_definitions_are_refused_in_chinese(raw: dict, message: str) -> None:
    with pytest.raises(SurveyError) as exc:
        clean_definition(raw)
    assert exc.value.message == message


def test_conditional_question_required_only_when_shown() -> None:
    d = clean_definition(DEFINITION)
    kept, errors = clean_answers(d, {"needs": ["party"], "size": "s", "legal_detail": "丢弃"})
    assert errors == {}
    assert "legal_detail" not in kept  # hidden: not kept even when sent
    kept, errors = clean_answers(d, {"needs": ["legal"], "size": "s"})
    assert errors == {"legal_detail": "此题为必答题"}


def test_type_and_range_errors() -> None:
    d = clean_definition(DEFINITION)
    raw = {"needs": ["nope"], "size": "x", "sat": 9, "members": "abc", "grid": {"r1": "meh"}}
    _, errors = clean_answers(d, raw)
    assert errors == {
        "needs": "选项无效",
        "size": "请选择一个有效选项",
        "sat": "应在 1 到 5 之间",
        "members": "请填写数字",
        "grid": "选项无效",
    }


def test_draft_skips_required_but_not_types() -> None:
    d = clean_definition(DEFINITION)
    kept, errors = clean_answers(d, {"sat": 3}, partial=True)
    assert errors == {} and kept == {"sat": 3}
    _, errors = clean_answers(d, {"sat": 0}, partial=True)
    assert errors == {"sat": "应在 1 到 5 之间"}


def test_answer_rows() -> None:
    d = clean_definition(DEFINITION)
    kept, _ = clean_answers(d, {**GOOD, "grid": {"r1": "good", "r2": "bad"}, "members": "3"})
    rows = answer_rows(d, kept)
    assert {"question": "needs", "option": "legal"} in rows
    assert {"question": "grid", "row": "r2", "option": "bad"} in rows
    assert {"question": "sat", "number": 4.0, "option": "4"} in rows
    assert {"question": "members", "number": 3.0, "option": "3"} in rows
    assert len(rows) == 8
