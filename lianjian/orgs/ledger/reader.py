"""Reading the first worksheet of a checked workbook into raw rows keyed by column.

The header row is found by name, not position: ledgers often carry a merged
title row (“2017年虹桥街道两新组织台账”) and a date line above the header.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from openpyxl import load_workbook

from lianjian.orgs.ledger.columns import Column
from lianjian.orgs.ledger.normalize import as_header, as_text
from lianjian.orgs.ledger.safety import LedgerFileError, check_upload, ensure_defused_xml

HEADER_SCAN_ROWS = 15


@dataclass
class Sheet:
    columns: dict[int, Column]  # 0-based cell position → column
    header_row: int  # 1-based row number of the header
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)


def _match_header(values: list[Any], lookup: dict[str, Column]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    for pos, value in enumerate(values):
        column = lookup.get(as_header(value)) if value is not None else None
        if column is not None and column not in found.values():
            found[pos] = column
    return found


def read_ledger(
    data: bytes,
    columns: tuple[Column, ...],
    progress: Callable[[int], None] | None = None,
) -> Sheet:
    """Check the upload, find the header, and return every non-blank data row.

    Raises `LedgerFileError` for a file refused as a whole: not an xlsx, a bomb,
    macros, formulas, no header, no data, too many rows.
    """
    check_upload(data)
    ensure_defused_xml()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise LedgerFileError("文件已损坏或不是有效的 .xlsx 工作簿，无法读取") from exc
    try:
        if not workbook.worksheets:
            raise LedgerFileError("工作簿中没有工作表")
        sheet = workbook.worksheets[0]
        try:
            return _read_sheet(_values(sheet), columns, progress)
        except _MaybeFormula:
            # a value starting with "=": a formula or merely text; the cell path tells
            return _read_sheet(_cells(sheet), columns, progress)
    finally:
        workbook.close()


class _MaybeFormula(Exception):
    """A value read as text starts with "=": re-read with cell objects to tell."""


def _values(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """Rows as plain values: no cell objects (the bulk of the reading cost at 100k rows).

    Without data_only a formula reads as its "=..." text, so any such string sends
    the reader back to `_cells`, which sees the cell type and names the cell.
    """
    for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
        for value in row:
            if value.__class__ is str and value[:1] == "=":
                raise _MaybeFormula
        yield number, list(row)


def _cells(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    for row in sheet.iter_rows():
        values = []
        row_number = 0
        for cell in row:
            if getattr(cell, "data_type", None) == "f":
                raise LedgerFileError(
                    f"第 {cell.row} 行 {cell.column_letter} 列含有公式，台账只能包含数值；"
                    "请复制后“选择性粘贴为数值”再导入"
                )
            row_number = getattr(cell, "row", None) or row_number
            values.append(cell.value)
        yield row_number, values


def _read_sheet(
    rows: Iterator[tuple[int, list[Any]]],
    columns: tuple[Column, ...],
    progress: Callable[[int], None] | None,
) -> Sheet:
    lookup = {name: col for col in columns for name in col.header_names()}
    max_rows = settings.EXCEL_MAX_ROWS
    parsed: Sheet | None = None
    best: dict[int, Column] = {}
    scanned = 0
    any_value = False
    for row_number, values in rows:
        scanned += 1
        if any(as_text(v) for v in values):
            any_value = True
        match = _match_header(values, lookup)
        if len(match) >= 2 and any(c.required for c in match.values()):
            parsed = Sheet(columns=match, header_row=row_number or scanned)
            parsed.ignored_headers = [
                as_text(v) for pos, v in enumerate(values) if pos not in match and as_text(v)
            ]
            break
        if len(match) > len(best):
            best = match
        if scanned >= HEADER_SCAN_ROWS:
            break
    if parsed is None:
        if not any_value:
            raise LedgerFileError("工作表为空，没有任何内容")
        raise LedgerFileError(
            "未找到表头行：请使用模板的列名（如“"
            + "”“".join(c.label for c in columns if c.required)
            + "”），表头须位于前 15 行内"
        )
    missing = [c.label for c in columns if c.required and c not in parsed.columns.values()]
    if missing:
        raise LedgerFileError(f"缺少必填列：{'、'.join(missing)}")
    count = 0
    for row_number, values in rows:
        record = {
            col.key: values[pos] if pos < len(values) else None
            for pos, col in parsed.columns.items()
        }
        if not any(as_text(v) for v in record.values()):
            continue
        count += 1
        if count > max_rows:
            raise LedgerFileError(f"数据行数超过上限 {max_rows} 行，请拆分为多个文件导入")
        parsed.rows.append((row_number, record))
        if progress is not None and count % 5000 == 0:
            progress(count)
    if not parsed.rows:
        raise LedgerFileError("文件只有表头，没有数据行")
    return parsed
