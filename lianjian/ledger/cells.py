"""One ledger cell read by its column's type, knowing what kind of cell it was.

The readers hand over cells as typed as the file keeps them: `str` for a
text cell (and for every CSV field), `int`/`float` for a number cell,
`datetime` for an Excel date cell, `bool` for TRUE/FALSE. The type matters:
an ID number in a number cell has already lost its last digits (Excel keeps
15 significant digits), and a text "42934" is text, never an Excel date serial.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.utils.datetime import from_excel

from lianjian.core.ledger_kinds import Column
from lianjian.core.normalize import (
    CellError,
    as_bool,
    as_code,
    as_int,
    as_label,
    as_text,
    half_width,
)

MAX_TEXT = 200

NUMERIC_CODE = (
    "该单元格是数值：Excel 把号码当作数字存成了浮点数（显示为 1.10105E+17 之类），"
    "第15位以后的数字已变成0，可能成了另一个人或另一家单位的号码；"
    "请把这一列设置为“文本”格式，重新录入号码后再导入"
)
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$")


def read_cell(column: Column, raw: Any) -> Any:
    """The cell's value for `column`, or `CellError` with the reason in Chinese."""
    if column.kind == "text":
        value: Any = as_text(raw)
        if len(value) > MAX_TEXT:
            raise CellError(f"内容过长（最多{MAX_TEXT}字）")
        return value
    if column.kind == "code":
        if column.text_only:
            refuse_number(raw)
        return as_code(raw)
    if column.kind == "int":
        return as_int(raw)
    if column.kind == "bool":
        return as_bool(raw)
    if column.kind == "date":
        return read_date(raw)
    if column.kind == "enum":
        label = as_label(raw)
        if not label:
            return None
        if label in column.choices:
            return column.choices[label]
        if label.upper() in column.choices:
            return column.choices[label.upper()]
        raise CellError(f"“{as_text(raw)}”不是有效的{column.label}；可选：{column.note}")
    return as_text(raw) or None  # a reference: a blank cell names nothing


def refuse_number(raw: Any) -> None:
    """An identifier must arrive as text: a number cell, or the text Excel writes for one
    into a CSV (`1.10105E+17`), has lost digits that no checksum can bring back."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise CellError(NUMERIC_CODE)
    if isinstance(raw, str) and _SCIENTIFIC.match(as_code(raw)):
        raise CellError(
            f"“{as_text(raw)}”是科学计数法：Excel 把号码当作浮点数，第15位以后的数字已丢失；"
            "请把这一列设置为“文本”格式，重新录入号码后再导入"
        )


# ---------------------------------------------------------------- dates

_FORMATS = "2017-07-18、2017/7/18、2017.7.18、2017年7月18日，或只写年月：2017.07、2017年7月"
_YEARS = (1900, 2100)
# Excel serial numbers for 1900-01-01 .. 2100-12-31
_SERIAL_MIN, _SERIAL_MAX = 1, 73415

_FULL = (
    re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$"),
    re.compile(r"^(\d{4})()年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})$"),
)
_MONTH = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月份?$"),
)
_YEAR_ONLY = re.compile(r"^(\d{4})年?$")
_TIME = re.compile(r"(?:T|\s+)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")

_CN_DIGITS = dict(zip("〇零○一二三四五六七八九", (0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_DATE = re.compile(
    r"^([〇零○一二三四五六七八九]{4})年([元一二三四五六七八九十]{1,3})月"
    r"(?:([一二三四五六七八九十]{1,3})日?)?$"
)


def _cn_small(text: str) -> int | None:
    """一..三十一 (and 元 for the first month) as a number; None if not written so."""
    if text == "元":
        return 1
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    high = _CN_DIGITS.get(tens, -1) if tens else 1
    low = _CN_DIGITS.get(ones, -1) if ones else 0
    if high < 1 or low < 0:
        return None
    return high * 10 + low


def _make(raw: Any, year: int, month: int, day: int) -> dt.date:
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise CellError(f"“{as_text(raw)}”的年份应在{_YEARS[0]}年至{_YEARS[1]}年之间")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"“{as_text(raw)}”这个日期不存在，请核对年、月、日") from None


def read_date(value: Any) -> dt.date | None:
    """A date cell, or a date written in any of the styles ledgers use (`_FORMATS`,
    `20170718`, 二〇一七年七月十八日); a year and month alone mean the first of the month.

    A number cell holds an Excel serial, except that a number that reads as a year
    (2005) or as year.month (2005.03, typed into a cell Excel took for a number) is
    read as such or refused, never as a serial in 1905.
    """
    if value is None or as_text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CellError(f"“{as_text(value)}”不是日期（可写作 {_FORMATS}）")
    if isinstance(value, int | float):
        return _number_date(value)
    text = _TIME.sub("", half_width(value).strip())
    text = re.sub(r"\s+", "", text)
    for pattern in _FULL:
        if match := pattern.match(text):
            year, _, month, day = match.groups()
            return _make(value, int(year), int(month), int(day))
    for pattern in _MONTH:
        if match := pattern.match(text):
            return _make(value, int(match[1]), int(match[2]), 1)
    if match := _CN_DATE.match(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in match[1]))
        month, day = _cn_small(match[2]), _cn_small(match[3]) if match[3] else 1
        if month is None or day is None:
            raise CellError(f"“{value}”不是有效日期（可写作 {_FORMATS}）")
        return _make(value, year, month, day)
    if _YEAR_ONLY.match(text):
        raise CellError(f"“{value}”只有年份，请写明月份（如 {text[:4]}-03 或 {text[:4]}年3月）")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        raise CellError(
            f"“{value}”是文本形式的数字，不能当作日期（文本单元格不按 Excel 日期序号解读）；"
            f"请写成日期，如 {_FORMATS}"
        )
    raise CellError(f"“{value}”不是有效日期（可写作 {_FORMATS}）")


def _number_date(value: float) -> dt.date:
    """A number cell in a date column: a year, year.month, or an Excel serial."""
    if not math.isfinite(value):
        raise CellError(f"“{value}”不是有效日期（可写作 {_FORMATS}）")
    whole = int(value)
    if _YEARS[0] <= whole <= _YEARS[1]:
        if value == whole:
            raise CellError(f"“{whole}”只有年份，请写明月份（如 {whole}-03 或 {whole}年3月）")
        fraction = repr(float(value)).partition(".")[2]
        if fraction == "1":
            raise CellError(
                f"Excel 把该日期存成了数字 {value}，无法分辨是 {whole}.1（1月）还是 {whole}.10"
                "（10月，末尾的0已被 Excel 去掉）；请把这一列设置为“文本”格式，"
                f"或写成 {whole}-01 / {whole}-10"
            )
        if len(fraction) > 2:
            raise CellError(f"“{value}”不是有效日期（可写作 {_FORMATS}）")
        return _make(value, whole, int(fraction), 1)
    if not _SERIAL_MIN <= value <= _SERIAL_MAX:
        raise CellError(f"“{as_text(value)}”不是有效日期（可写作 {_FORMATS}）")
    converted = from_excel(value)
    if not isinstance(converted, dt.datetime):
        raise CellError(f"“{as_text(value)}”不是有效日期（可写作 {_FORMATS}）")
    return converted.date()
