"""Calendar days as offices write them: pasted lines, an .xlsx sheet or a CSV file.

Every source ends in `parse_row`, so a line such as `2026-10-01 休 国庆节` and a
spreadsheet row (日期 / 类型 / 说明) follow one rule. Problems come back per row
in Chinese; nothing is written unless every row reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from lianjian.core.ledger_kinds import Column
from lianjian.core.normalize import as_header
from lianjian.ledger.reader import read_ledger
from lianjian.ledger.safety import LedgerFileError
from lianjian.needs.calendar.services import NOTE_MAX, DayEntry

MAX_ROWS = 1000  # about three years of days; a year has at most 366
MIN_YEAR, MAX_YEAR = 2000, 2100

KIND_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(("休", "休息", "放假", "假", "假日", "节假日", "休假", "off"), False),
    **dict.fromkeys(("班", "上班", "补班", "调休上班", "工作日", "工作", "work"), True),
    **dict.fromkeys(("恢复", "默认", "恢复默认", "删除", "取消", "reset"), None),
}
KIND_HINT = "请写“休”（放假）、“班”（上班）或“恢复”（删除本级设置）"

COLUMNS = (
    Column("date", "日期", "date", required=True, aliases=("日子",)),
    Column("kind", "类型", "enum", required=True, aliases=("休/班", "上班/休息", "安排", "类别")),
    Column("note", "说明", "text", aliases=("备注", "节日", "名称", "原因")),
)

_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPLIT = re.compile(r"[\s,，;；、]+")


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line or sheet row; 0 for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.message}" if self.row else self.message


@dataclass
class Parsed:
    entries: list[DayEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).replace("\xa0", " ").strip()


def parse_date(value: Any) -> dt.date:
    """A date cell or text; raises ValueError with the reason in Chinese."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, bool):
        raise ValueError("日期不能为空")
    elif isinstance(value, int | float):
        raise ValueError(
            f"日期“{value}”是数字（Excel 把日期存成了序列号），请把该列设为日期或文本格式"
        )
    else:
        text = _text(value)
        if not text:
            raise ValueError("日期不能为空")
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if not match:
            raise ValueError(f"日期“{text[:20]}”无法识别，请写成 2026-10-01")
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            raise ValueError(f"日期“{text[:20]}”不存在") from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间")
    return day


def parse_row(
    number: int, date_value: Any, kind_value: Any, note_value: Any
) -> DayEntry | RowError:
    try:
        day = parse_date(date_value)
    except ValueError as exc:
        return RowError(number, str(exc))
    kind = _text(kind_value).lower()
    if not kind:
        return RowError(number, f"缺少类型，{KIND_HINT}")
    if kind not in KIND_WORDS:
        return RowError(number, f"类型“{kind[:10]}”无法识别，{KIND_HINT}")
    note = _text(note_value)
    if len(note) > NOTE_MAX:
        return RowError(number, f"说明不能超过 {NOTE_MAX} 个字")
    return DayEntry(day, KIND_WORDS[kind], note)


def _collect(rows: Iterable[tuple[int, Any, Any, Any]]) -> Parsed:
    parsed = Parsed()
    first_row: dict[dt.date, int] = {}
    for number, date_value, kind_value, note_value in rows:
        if len(parsed.entries) + len(parsed.errors) >= MAX_ROWS:
            parsed.errors.append(RowError(0, f"一次最多录入 {MAX_ROWS} 行，请分批录入"))
            break
        item = parse_row(number, date_value, kind_value, note_value)
        if isinstance(item, RowError):
            parsed.errors.append(item)
        elif item.date in first_row:
            parsed.errors.append(
                RowError(number, f"日期 {item.date:%Y-%m-%d} 与第 {first_row[item.date]} 行重复")
            )
        else:
            first_row[item.date] = number
            parsed.entries.append(item)
    if not parsed.entries and not parsed.errors:
        parsed.errors.append(RowError(0, "没有可录入的日期"))
    return parsed


def parse_lines(text: str) -> Parsed:
    """Lines such as `2026-10-01 休 国庆节`; blank lines and lines starting with # are skipped."""

    def rows() -> Iterable[tuple[int, Any, Any, Any]]:
        for number, line in enumerate(text.splitlines(), 1):
            line = _text(line)
            if not line or line.startswith("#"):
                continue
            parts = _SPLIT.split(line, maxsplit=2)
            parts += [""] * (3 - len(parts))
            yield number, parts[0], parts[1], parts[2]

    return _collect(rows())


# ---------------------------------------------------------------- files

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_NAMES = {name: col.key for col in COLUMNS for name in col.header_names()}


def read_calendar_file(data: bytes) -> Parsed:
    """An .xlsx workbook (checked as ledgers are, S20) or a CSV in UTF-8 or GBK."""
    if not data:
        return Parsed(errors=[RowError(0, "文件为空")])
    if len(data) > settings.EXCEL_UPLOAD_MAX_BYTES:
        return Parsed(errors=[RowError(0, "文件过大，工作日历文件通常只有几十行")])
    if data[:8] == _OLE_MAGIC:
        return Parsed(errors=[RowError(0, "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")])
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_csv(data)


def _read_xlsx(data: bytes) -> Parsed:
    try:
        sheet = read_ledger(data, COLUMNS)
    except LedgerFileError as err:
        return Parsed(errors=[RowError(0, err.message)])
    return _collect(
        (number, row.get("date"), row.get("kind"), row.get("note")) for number, row in sheet.rows
    )


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes) -> Parsed:
    text = _decode(data)
    if text is None or "\x00" in text:
        return Parsed(errors=[RowError(0, "文件不是 .xlsx 或 CSV 文本（UTF-8 或 GBK 编码）")])
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return Parsed(errors=[RowError(0, f"CSV 格式有误：{exc}")])
    positions = {"date": 0, "kind": 1, "note": 2}

    def rows() -> Iterable[tuple[int, Any, Any, Any]]:
        header_seen = False
        for number, cells in enumerate(lines, 1):
            if not any(_text(c) for c in cells):
                continue
            names = {_HEADER_NAMES.get(as_header(c)): i for i, c in enumerate(cells)}
            if not header_seen and "date" in names:
                header_seen = True
                positions.update({k: v for k, v in names.items() if k})
                continue

            def cell(key: str, cells: list[str] = cells) -> str:
                pos = positions.get(key, -1)
                return cells[pos] if 0 <= pos < len(cells) else ""

            yield number, cell("date"), cell("kind"), cell("note")

    return _collect(rows())
