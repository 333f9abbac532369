"""Turning cell values as real ledgers hold them into clean Python values.

Ledgers arrive typed by hand over years: full-width digits, traditional
characters copied from Hong Kong or Taiwan templates, dates as Excel serials
or in three written styles, stray spaces. Each parser returns a value or
raises `CellError` with the reason in Chinese.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from lianjian.core.identifiers import normalize_identifier


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user as is."""


# Traditional → simplified for the characters that appear in headers and in the
# labels of our enumerations; a full converter is not needed for those.
_TRAD = (
    "機关關关業业單单國国會会組组織织個个體体戶户區区動动團团隊队黨党總总獨独聯联臨临"
    "樓楼園园場场預预員员規规資资類类別别層层級级設设號号碼码務务證证辦办門门實实產产"
    "際际點点書书記记導导絡络時时間间註注銷销冊册從从數数屬属稱称態态準准寫写業业職职"
    "話话電电構构營营員员經经濟济術术築筑運运輸输衛卫藝艺療疗門门齡龄歲岁與与為为內内"
    "稅税編编號号權权報报傳传廣广開开發发諮咨詢询優优勢势網网備备築筑"
)
TRAD_TO_SIMP = str.maketrans({_TRAD[i]: _TRAD[i + 1] for i in range(0, len(_TRAD), 2)})

_SPACES = re.compile(r"\s+")
_TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "有"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×", "✗", "无", "不是"}


def half_width(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def as_text(value: Any) -> str:
    """Any cell value as trimmed text; numbers keep no trailing '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").replace("\xa0", " ")
    return text.strip()


def as_code(value: Any) -> str:
    """An identifier (credit code, ID number, mobile, region code) normalized as every
    entry path does it (`lianjian.core.identifiers`): NFKC, no spaces or hyphens, upper case."""
    return normalize_identifier(as_text(value))


def as_label(value: Any) -> str:
    """An enumeration label: half-width, simplified, no spaces."""
    return _SPACES.sub("", half_width(as_text(value))).translate(TRAD_TO_SIMP)


def as_header(value: Any) -> str:
    """A column header reduced to its words: no marks for required, notes or spaces."""
    text = as_label(value)
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    return text.strip("*＊:：")


def as_int(value: Any) -> int | None:
    if value is None or as_text(value) == "":
        return None
    if isinstance(value, bool):
        raise CellError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("应为整数")
        return int(value)
    text = _SPACES.sub("", half_width(as_text(value))).replace(",", "")
    if text.endswith("人"):
        text = text[:-1]
    if not re.fullmatch(r"-?\d+", text):
        raise CellError(f"“{as_text(value)}”不是整数")
    return int(text)


def as_bool(value: Any) -> bool | None:
    if value is None or as_text(value) == "":
        return None
    if isinstance(value, bool):
        return value
    text = as_label(value).upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"“{as_text(value)}”应填“是”或“否”")
