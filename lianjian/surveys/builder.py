"""The builder's form data turned into a definition change (no JavaScript needed).

The desk builder posts one question at a time: its title, kind, options one
per line, matrix rows one per line, bounds, whether it is required and an
optional condition "show if question X answered one of Y". Each change goes
through `services.survey_define`, so a survey already answered gets a new
version instead of an edit.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from lianjian.surveys.definition import KINDS, SurveyError

# `data` is the builder's posted form; a definition and its questions are JSON objects
# (`dict[str, Any]`, see `surveys.definition`)


def _lines(text: object) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def question_from_form(
    data: Mapping[str, object], existing: list[dict[str, Any]]
) -> dict[str, Any]:
    kind = str(data.get("kind") or "")
    if kind not in KINDS:
        raise SurveyError("请选择题型", "kind")
    used = {q["key"] for q in existing}
    n = len(existing) + 1
    while f"q{n}" in used:
        n += 1
    q: dict[str, Any] = {
        "key": f"q{n}",
        "kind": kind,
        "title": str(data.get("title") or "").strip(),
        "required": bool(data.get("required")),
    }
    if kind in ("single", "multiple", "matrix"):
        q["options"] = [
            {"key": f"o{i}", "label": t} for i, t in enumerate(_lines(data.get("options")), 1)
        ]
    if kind == "matrix":
        q["rows"] = [
            {"key": f"r{i}", "label": t} for i, t in enumerate(_lines(data.get("rows")), 1)
        ]
    if kind in ("scale", "number"):
        q["min"] = data.get("min") or (1 if kind == "scale" else None)
        q["max"] = data.get("max") or (5 if kind == "scale" else None)
    cond_q = str(data.get("show_if_question") or "").strip()
    if cond_q:
        ref = next((e for e in existing if e["key"] == cond_q), None)
        if ref is None:
            raise SurveyError("显示条件引用的题目不存在", "show_if_question")
        wanted = set(
            _lines(str(data.get("show_if_options") or "").replace("，", "\n").replace(",", "\n"))
        )
        keys = [
            o["key"] for o in ref.get("options", []) if o["label"] in wanted or o["key"] in wanted
        ]
        if not keys:
            raise SurveyError("请填写显示条件的选项文字", "show_if_options")
        q["show_if"] = {"question": cond_q, "in": keys}
    return q


def with_question(definition: Mapping[str, Any], data: Mapping[str, object]) -> dict[str, Any]:
    questions = copy.deepcopy(list(definition.get("questions", [])))
    questions.append(question_from_form(data, questions))
    return {"questions": questions}


def without_question(definition: Mapping[str, Any], key: str) -> dict[str, Any]:
    questions = [q for q in definition.get("questions", []) if q["key"] != key]
    if any((q.get("show_if") or {}).get("question") == key for q in questions):
        raise SurveyError("有其他题目的显示条件引用了这道题，请先删除那些题", "key")
    return {"questions": questions}


def moved(definition: Mapping[str, Any], key: str, step: int) -> dict[str, Any]:
    questions = list(definition.get("questions", []))
    at = next((i for i, q in enumerate(questions) if q["key"] == key), None)
    if at is None:
        return {"questions": questions}
    to = max(0, min(len(questions) - 1, at + step))
    questions.insert(to, questions.pop(at))
    return {"questions": questions}
