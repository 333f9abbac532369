"""A questionnaire's definition and the check of answers against it (pure functions).

A definition is `{"questions": [...]}`; each question has a `key`, a `kind`
(single, multiple, scale, matrix, text, number), a `title`, `required`, and
per kind `options` (`[{"key", "label"}]`), `rows` (matrix), `min`/`max`
(scale, number). `show_if = {"question": key, "in": [option keys]}` shows a
question only when an earlier single/multiple question was answered with one
of those options; a hidden question is neither required nor kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Required, TypedDict

# A definition, its questions and a response's answers are JSON objects as stored
# (`SurveyVersion.definition`, `Response.answers`): `dict[str, Any]` here is a JSON
# object whose values are any JSON, read by key and checked by these functions.

KINDS = {
    "single": "单选题",
    "multiple": "多选题",
    "scale": "量表题",
    "matrix": "矩阵题",
    "text": "填空题",
    "number": "数字题",
}
CHOICE_KINDS = {"single", "multiple"}
KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
MAX_QUESTIONS = 200
MAX_OPTIONS = 60
MAX_TEXT = 2000
MAX_TITLE = 300


class AnswerRow(TypedDict, total=False):
    """One `Answer` row's fields: an option chosen, a value, a matrix cell or a text."""

    question: Required[str]
    option: str
    row: str
    number: float
    text: str


class SurveyError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _key(value: object, where: str) -> str:
    key = str(value or "").strip()
    if not KEY_RE.match(key):
        raise SurveyError(f"{where}的编号只能是 1–32 位字母、数字或下划线", "definition")
    return key


def _choices(raw: object, where: str, what: str = "选项") -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise SurveyError(f"{where}至少需要一个{what}", "definition")
    if len(raw) > MAX_OPTIONS:
        raise SurveyError(f"{where}的{what}不能超过 {MAX_OPTIONS} 个", "definition")
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, 1):
        if isinstance(item, str):
            item = {"key": f"o{i}", "label": item}
        if not isinstance(item, Mapping):
            raise SurveyError(f"{where}的第 {i} 个{what}格式不正确", "definition")
        key = _key(item.get("key") or f"o{i}", f"{where}的{what}")
        label = str(item.get("label") or "").strip()
        if not label:
            raise SurveyError(f"{where}的第 {i} 个{what}缺少文字", "definition")
        if key in seen:
            raise SurveyError(f"{where}的{what}编号 {key} 重复", "definition")
        seen.add(key)
        out.append({"key": key, "label": label[:MAX_TITLE]})
    return out


def _bound(raw: Any, where: str, label: str) -> float | None:  # a JSON value, a number if valid
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise SurveyError(f"{where}的{label}应为数字", "definition") from None


def clean_definition(raw: object, *, allow_empty: bool = False) -> dict[str, Any]:
    """The definition as stored, or `SurveyError` naming the first problem.

    `allow_empty`: a draft being built may have no question yet.
    """
    if not isinstance(raw, Mapping):
        raise SurveyError("问卷定义格式不正确", "definition")
    questions = raw.get("questions")
    if allow_empty and questions in (None, []):
        return {"questions": []}
    if not isinstance(questions, list) or not questions:
        raise SurveyError("问卷至少需要一道题", "definition")
    if len(questions) > MAX_QUESTIONS:
        raise SurveyError(f"问卷不能超过 {MAX_QUESTIONS} 道题", "definition")
    out: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for i, q in enumerate(questions, 1):
        where = f"第 {i} 题"
        if not isinstance(q, Mapping):
            raise SurveyError(f"{where}格式不正确", "definition")
        key = _key(q.get("key") or f"q{i}", where)
        if key in seen:
            raise SurveyError(f"{where}的编号 {key} 与前面的题重复", "definition")
        kind = str(q.get("kind") or "")
        if kind not in KINDS:
            raise SurveyError(f"{where}的题型无效", "definition")
        title = str(q.get("title") or "").strip()
        if not title:
            raise SurveyError(f"{where}缺少题目", "definition")
        item: dict[str, Any] = {
            "key": key,
            "kind": kind,
            "title": title[:MAX_TITLE],
            "required": bool(q.get("required", False)),
        }
        if kind in CHOICE_KINDS or kind == "matrix":
            item["options"] = _choices(q.get("options"), where)
        if kind == "matrix":
            item["rows"] = _choices(q.get("rows"), where, "行")
        if kind in ("scale", "number"):
            low = _bound(q.get("min"), where, "最小值")
            high = _bound(q.get("max"), where, "最大值")
            if kind == "scale":
                low = 1 if low is None else low
                high = 5 if high is None else high
                if high - low > 10 or low != int(low) or high != int(high):
                    raise SurveyError(f"{where}的量表应为不超过 10 级的整数", "definition")
            if low is not None and high is not None and low >= high:
                raise SurveyError(f"{where}的最小值应小于最大值", "definition")
            item["min"], item["max"] = low, high
        for extra in ("subject", "group"):  # the satisfaction template's tags
            if q.get(extra):
                item[extra] = str(q[extra])[:100]
        if kind == "multiple" and q.get("max_choices"):
            item["max_choices"] = int(q["max_choices"])
        cond = q.get("show_if")
        if cond:
            if not isinstance(cond, Mapping):
                raise SurveyError(f"{where}的显示条件格式不正确", "definition")
            ref = seen.get(str(cond.get("question") or ""))
            if ref is None or ref["kind"] not in CHOICE_KINDS:
                raise SurveyError(f"{where}的显示条件须引用前面的单选或多选题", "definition")
            wanted = [str(v) for v in (cond.get("in") or [])]
            keys = {o["key"] for o in ref["options"]}
            if not wanted or not set(wanted) <= keys:
                raise SurveyError(f"{where}的显示条件选项无效", "definition")
            item["show_if"] = {"question": ref["key"], "in": wanted}
        seen[key] = item
        out.append(item)
    return {"questions": out}


def visible(question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    cond = question.get("show_if")
    if not cond:
        return True
    given = answers.get(cond["question"])
    chosen = set(given if isinstance(given, list) else [given] if given else [])
    return bool(chosen & set(cond["in"]))


def _number(value: object) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def clean_answers(
    definition: Mapping[str, Any], raw: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers kept and a message per question key for what is wrong.

    `partial` (a draft) skips the required check, never the type checks.
    """
    kept: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in definition.get("questions", []):
        key, kind = q["key"], q["kind"]
        if not visible(q, kept):
            continue
        value = raw.get(key)
        empty = value in (None, "", [], {})
        if empty:
            if q.get("required") and not partial:
                errors[key] = "此题为必答题"
            continue
        options = {o["key"] for o in q.get("options", [])}
        if kind == "single":
            if str(value) not in options:
                errors[key] = "请选择一个有效选项"
            else:
                kept[key] = str(value)
        elif kind == "multiple":
            values = value if isinstance(value, list) else [value]
            chosen = list(dict.fromkeys(str(v) for v in values))
            if not set(chosen) <= options:
                errors[key] = "选项无效"
            elif q.get("max_choices") and len(chosen) > q["max_choices"]:
                errors[key] = f"最多选择 {q['max_choices']} 项"
            else:
                kept[key] = chosen
        elif kind in ("scale", "number"):
            n = _number(value)
            if n is None or n != n:
                errors[key] = "请填写数字"
            elif kind == "scale" and n != int(n):
                errors[key] = "请选择一个分值"
            elif (q.get("min") is not None and n < q["min"]) or (
                q.get("max") is not None and n > q["max"]
            ):
                errors[key] = f"应在 {_fmt(q.get('min'))} 到 {_fmt(q.get('max'))} 之间"
            else:
                kept[key] = int(n) if kind == "scale" else n
        elif kind == "matrix":
            if not isinstance(value, Mapping):
                errors[key] = "格式不正确"
                continue
            rows = {r["key"] for r in q["rows"]}
            picked = {str(r): str(v) for r, v in value.items() if v not in (None, "")}
            if not set(picked) <= rows or not set(picked.values()) <= options:
                errors[key] = "选项无效"
            elif q.get("required") and not partial and set(picked) != rows:
                errors[key] = "请为每一行选择"
            elif picked:
                kept[key] = picked
        elif kind == "text":
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                errors[key] = f"不能超过 {MAX_TEXT} 字"
            elif text:
                kept[key] = text
            elif q.get("required") and not partial:
                errors[key] = "此题为必答题"
    return kept, errors


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return str(int(v)) if float(v) == int(v) else str(v)


def answer_rows(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[AnswerRow]:
    """The `Answer` rows of cleaned answers: one per option, value or matrix cell."""
    rows: list[AnswerRow] = []
    for q in definition.get("questions", []):
        key, kind = q["key"], q["kind"]
        value = answers.get(key)
        if value is None:
            continue
        if kind == "single":
            rows.append({"question": key, "option": value})
        elif kind == "multiple":
            rows += [{"question": key, "option": v} for v in value]
        elif kind in ("scale", "number"):
            rows.append({"question": key, "number": float(value), "option": _fmt(value)})
        elif kind == "matrix":
            rows += [{"question": key, "row": r, "option": v} for r, v in value.items()]
        elif kind == "text":
            rows.append({"question": key, "text": value})
    return rows


def question(definition: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return next((q for q in definition.get("questions", []) if q["key"] == key), None)


def labels(q: Mapping[str, Any]) -> dict[str, str]:
    """Option key → label (for a scale, each value is its own label)."""
    if q["kind"] == "scale":
        return {str(v): str(v) for v in range(int(q["min"]), int(q["max"]) + 1)}
    return {o["key"]: o["label"] for o in q.get("options", [])}
