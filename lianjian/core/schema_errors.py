"""Pydantic's validation errors in Chinese, one message per field (the API's 422 body).

Each error keeps its `type` and `loc`; `msg` becomes "<field label>：<reason>",
the label taken from the field's Chinese description when it has one.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

_DATE = "应为日期，格式为 YYYY-MM-DD"
_DATETIME = "应为日期时间，格式如 2026-03-01T09:00:00+08:00"
_INTEGER = "应为整数"
_NUMBER = "应为数字"
_BOOLEAN = "应为 true 或 false"
_OBJECT = "应为 JSON 对象"

REASONS: dict[str, str] = {
    "missing": "必须填写",
    "extra_forbidden": "不是可接受的字段",
    "string_type": "应为文本",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "不是有效的 Unicode 文本",
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": "应为整数，不能带小数",
    "int_parsing_size": "数字过大",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": "应为有限的数字",
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "enum": "应为以下取值之一：{expected}",
    "literal_error": "应为以下取值之一：{expected}",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "timezone_aware": "须带时区",
    "timezone_naive": "不能带时区",
    "time_type": "应为时间，格式为 HH:MM[:SS]",
    "time_parsing": "应为时间，格式为 HH:MM[:SS]",
    "list_type": "应为数组",
    "tuple_type": "应为数组",
    "set_type": "应为数组",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dataclass_type": _OBJECT,
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 文本",
    "none_required": "应为空（null）",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_type": "应为网址",
    "url_parsing": "应为网址",
    "bytes_type": "应为文本或文件内容",
    "bytes_too_long": "内容过长",
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": "位数过多",
    "decimal_max_places": "小数位数过多",
}
FALLBACK = "格式不正确"
_LABEL_END = re.compile("[（(：:，,。；;]")


def translate_errors(errors: list[dict[str, Any]], model: Any = None) -> list[dict[str, Any]]:
    """`type`, `loc` and a Chinese `msg` for each error; pydantic's `ctx`, `input`, `url` dropped."""
    return [
        {
            "type": str(error.get("type", "")),
            "loc": [p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
            "msg": f"{_label(model, error.get('loc', ()))}：{_reason(error)}",
        }
        for error in errors
    ]


def _reason(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):
        # a validator's own message, already in Chinese (pydantic prefixes "Value error, ")
        return str(ctx.get("error") or error.get("msg", FALLBACK)).removeprefix("Value error, ")
    if "expected" in ctx:
        # "'a', 'b' or 'c'" -> "a、b、c"
        values = re.findall(r"'([^']*)'", str(ctx["expected"]))
        ctx["expected"] = "、".join(values) if values else ctx["expected"]
    template = REASONS.get(kind, FALLBACK)
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("{", 1)[0].rstrip("：") or FALLBACK


def _label(model: Any, loc: Any) -> str:
    """The field's Chinese label (its description up to the first punctuation), else its name."""
    names = [p for p in loc if isinstance(p, str)]
    info = _field_info(model, names[1:])  # loc[0] is the source: body, query, path, header
    description = (info.description or "").strip() if info is not None else ""
    label = _LABEL_END.split(description, maxsplit=1)[0].strip()
    if label:
        return label
    return names[-1] if names else "请求"


def _field_info(model: Any, names: list[str]) -> FieldInfo | None:
    """Follow `names` through nested models; a name not found directly is looked up inside."""
    info: FieldInfo | None = None
    current = model
    for name in names:
        info = _find(current, name)
        if info is None:
            return None
        current = _model_in(info.annotation)
    return info


def _find(model: Any, name: str, depth: int = 0) -> FieldInfo | None:
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or depth > 3:
        return None
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info
    # ninja flattens Query[Filters] models: the loc names the inner field directly
    for info in model.model_fields.values():
        found = _find(_model_in(info.annotation), name, depth + 1)
        if found is not None:
            return found
    return None


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside `X`, `X | None`, `list[X]` or `Annotated[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
