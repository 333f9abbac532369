"""Reading a checked ledger file (.xlsx, .xls or CSV) into raw rows keyed by column.

The sheet read is the first visible one named like the kind (“党员台账” for
members), else the first visible sheet whose header is found; hidden sheets
are never read. The header row is found by name, not position: ledgers often
carry a merged title row (“2017年虹桥街道两新组织台账”) and a date line above
the header. Cells keep the type the file gave them (see `cells`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from openpyxl import load_workbook

from lianjian.core.ledger_kinds import EXAMPLE_MARK, Column
from lianjian.core.normalize import as_header, as_label, as_text
from lianjian.ledger.safety import LedgerFileError, check_upload, ensure_defused_xml

HEADER_SCAN_ROWS = 15
Rows = Iterator[tuple[int, list[Any]]]


@dataclass
class Sheet:
    columns: dict[int, Column]  # 0-based cell position → column
    header_row: int  # 1-based row number of the header
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    title: str = ""
    file_format: str = "xlsx"
    headers: list[str] = field(default_factory=list)  # the header row as written
    # every cell of each data row as read, by row number (for the error report)
    originals: dict[int, list[Any]] = field(default_factory=dict)


@dataclass
class _Source:
    """One sheet of the file: its title, whether it is shown, and how to read its rows."""

    title: str
    visible: bool
    values: Callable[[], Rows]
    cells: Callable[[], Rows] | None = None  # the slower typed re-read (xlsx formulas)


class _MaybeFormula(Exception):
    """A value read as text starts with "=": re-read with cell objects to tell."""


class _NoHeader(Exception):
    """This sheet holds no header; another visible sheet may."""

    def __init__(self, error: LedgerFileError) -> None:
        self.error = error


def read_ledger(
    data: bytes,
    columns: tuple[Column, ...],
    progress: Callable[[int], None] | None = None,
    sheet_words: tuple[str, ...] = (),
) -> Sheet:
    """Check the upload, pick the sheet, find the header, return every non-blank data row.

    `sheet_words` name the kind (“党员”): a visible sheet whose title holds one is
    tried first. Raises `LedgerFileError` for a file refused as a whole: not a
    ledger, a bomb, macros, formulas, no header, no data, too many rows.
    """
    file_format = check_upload(data)
    if file_format == "csv":
        from lianjian.ledger.textfile import csv_rows

        sources = [_Source("CSV", True, lambda: csv_rows(data))]
        return _read(sources, columns, progress, sheet_words, file_format)
    if file_format == "xls":
        from lianjian.ledger.xls import open_xls

        sources = [_Source(s.title, s.visible, s.rows) for s in open_xls(data)]
        return _read(sources, columns, progress, sheet_words, file_format)
    ensure_defused_xml()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise LedgerFileError("文件已损坏或不是有效的 .xlsx 工作簿，无法读取") from exc
    try:
        sources = [
            _Source(
                ws.title,
                ws.sheet_state == "visible",
                partial(_values, ws),
                partial(_cells, ws),
            )
            for ws in workbook.worksheets
        ]
        return _read(sources, columns, progress, sheet_words, file_format)
    finally:
        workbook.close()


def _values(sheet: Any) -> Rows:
    """Rows as plain values: no cell objects (the bulk of the reading cost at 100k rows).

    Without data_only a formula reads as its "=..." text, so any such string sends
    the reader back to `_cells`, which sees the cell type and names the cell.
    """
    for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
        for value in row:
            if value.__class__ is str and value[:1] == "=":
                raise _MaybeFormula
        yield number, list(row)


def _cells(sheet: Any) -> Rows:
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


def _read(
    sources: list[_Source],
    columns: tuple[Column, ...],
    progress: Callable[[int], None] | None,
    sheet_words: tuple[str, ...],
    file_format: str,
) -> Sheet:
    visible = [s for s in sources if s.visible]
    if not visible:
        raise LedgerFileError("工作簿中没有可见的工作表（隐藏的工作表不会被读取）")
    words = [as_label(w) for w in sheet_words]
    named = [s for s in visible if any(w in as_label(s.title) for w in words)]
    first_error: LedgerFileError | None = None
    for source in named + [s for s in visible if s not in named]:
        try:
            sheet = _read_source(source, columns, progress)
        except _NoHeader as exc:
            first_error = first_error or exc.error
            continue
        sheet.title, sheet.file_format = source.title, file_format
        return sheet
    assert first_error is not None
    if len(visible) < len(sources):
        first_error = LedgerFileError(first_error.message + "（隐藏的工作表不会被读取）")
    raise first_error


def _read_source(
    source: _Source, columns: tuple[Column, ...], progress: Callable[[int], None] | None
) -> Sheet:
    try:
        return _read_sheet(source.values(), columns, progress)
    except _MaybeFormula:
        # a value starting with "=": a formula or merely text; the cell path tells
        assert source.cells is not None
        return _read_sheet(source.cells(), columns, progress)


def _match_header(values: list[Any], lookup: dict[str, Column]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    for pos, value in enumerate(values):
        column = lookup.get(as_header(value)) if value is not None else None
        if column is not None and column not in found.values():
            found[pos] = column
    return found


def _find_header(rows: Rows, columns: tuple[Column, ...]) -> tuple[Sheet, list[Any]]:
    """The header within the first rows, or `_NoHeader` with the reason."""
    lookup = {name: col for col in columns for name in col.header_names()}
    scanned = 0
    any_value = False
    for row_number, values in rows:
        scanned += 1
        if any(as_text(v) for v in values):
            any_value = True
        match = _match_header(values, lookup)
        if len(match) >= 2 and any(c.required for c in match.values()):
            sheet = Sheet(columns=match, header_row=row_number or scanned)
            sheet.ignored_headers = [
                as_text(v) for pos, v in enumerate(values) if pos not in match and as_text(v)
            ]
            return sheet, values
        if scanned >= HEADER_SCAN_ROWS:
            break
    if not any_value:
        raise _NoHeader(LedgerFileError("工作表为空，没有任何内容"))
    raise _NoHeader(
        LedgerFileError(
            "未找到表头行：请使用模板的列名（如“"
            + "”“".join(c.label for c in columns if c.required)
            + "”），表头须位于前 15 行内"
        )
    )


def _read_sheet(
    rows: Rows, columns: tuple[Column, ...], progress: Callable[[int], None] | None
) -> Sheet:
    parsed, header = _find_header(rows, columns)
    missing = [c.label for c in columns if c.required and c not in parsed.columns.values()]
    if missing:
        raise LedgerFileError(f"缺少必填列：{'、'.join(missing)}")
    parsed.headers = [as_text(v) for v in header]
    max_rows = settings.EXCEL_MAX_ROWS
    marks = (EXAMPLE_MARK, EXAMPLE_MARK.replace("：", ":"))
    count = 0
    for row_number, values in rows:
        record = {
            col.key: values[pos] if pos < len(values) else None
            for pos, col in parsed.columns.items()
        }
        if not any(as_text(v) for v in record.values()):
            continue
        if as_text(record.get("name")).startswith(marks):
            continue  # the template's example row
        count += 1
        if count > max_rows:
            raise LedgerFileError(f"数据行数超过上限 {max_rows} 行，请拆分为多个文件导入")
        parsed.rows.append((row_number, record))
        parsed.originals[row_number] = values
        if progress is not None and count % 5000 == 0:
            progress(count)
    if not parsed.rows:
        raise LedgerFileError("文件只有表头，没有数据行")
    return parsed
