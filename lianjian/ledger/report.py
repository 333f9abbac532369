"""The error report of an import: the list of errors, and the original rows marked up.

Sheet one lists every error (row, column, reason) and is what the job page
and the API read back. Sheet two holds each data row that had an error as it
was read from the file, under the file's own header, with each bad cell
filled red and a comment giving the reason. ID numbers and mobiles in it are
masked (the report is stored with the job, as exports are: S9, S15); the row
number says which line of the original file to correct.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from lianjian.core.masking import mask
from lianjian.core.normalize import as_text
from lianjian.ledger.exporter import neutralize
from lianjian.ledger.reader import Sheet

LIST_TITLE = "错误报告"
ROWS_TITLE = "原始行（标出错误）"
LIST_HEADER = ("行号", "列", "原因")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_PERSONAL = {"id_number": "id_number", "mobile": "mobile"}
_AUTHOR = "链鉴台账导入"


def _bold(sheet: Any, values: Sequence[Any]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=neutralize(value))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _shown(value: Any, personal: str | None) -> Any:
    """A cell's value as the report shows it: personal data masked, formulas neutralized."""
    if value is None:
        return None
    if personal is not None:
        return mask(as_text(value), personal)  # type: ignore[arg-type]
    return neutralize(value)


def error_report(errors: Iterable[Any], sheet: Sheet | None = None) -> Any:
    """Write the report to a temporary file and return it open at the start."""
    errors = list(errors)
    book = Workbook(write_only=True)
    listing = book.create_sheet(LIST_TITLE)
    listing.append(_bold(listing, LIST_HEADER))
    for e in errors:
        listing.append([e.row, neutralize(e.column), neutralize(e.reason)])
    if sheet is not None and any(e.row in sheet.originals for e in errors):
        _original_rows(book, errors, sheet)
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


def _original_rows(book: Workbook, errors: list[Any], sheet: Sheet) -> None:
    rows = book.create_sheet(ROWS_TITLE)
    rows.freeze_panes = "B2"
    width = max([len(sheet.headers), *(len(v) for v in sheet.originals.values())])
    headers = [*sheet.headers, *[""] * (width - len(sheet.headers))]
    rows.append(_bold(rows, ["原文件行号", *headers]))
    position = {col.label: pos for pos, col in sheet.columns.items()}
    personal = {pos: _PERSONAL.get(col.key) for pos, col in sheet.columns.items()}
    reasons: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in errors:
        if e.row in sheet.originals:
            # -1: the row itself (an error not tied to one of the file's columns)
            reasons[e.row][position.get(e.column, -1)].append(f"{e.column}：{e.reason}")
    for number in sorted(reasons):
        values = sheet.originals[number]
        marks = reasons[number]
        line = [_marked(rows, number, marks.get(-1))]
        for pos in range(width):
            value = _shown(values[pos] if pos < len(values) else None, personal.get(pos))
            line.append(_marked(rows, value, marks.get(pos)))
        rows.append(line)


def _marked(sheet: Any, value: Any, reasons: list[str] | None) -> Any:
    if not reasons:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.fill = BAD_FILL
    cell.comment = Comment("\n".join(reasons), _AUTHOR, width=320, height=120)
    return cell


def read_errors(report: bytes, offset: int = 0, limit: int = 100) -> list[tuple[Any, Any, Any]]:
    """Rows `offset`..`offset+limit` of the error list (row, column, reason).

    The report is the workbook `error_report` wrote, so reading it back needs
    no upload checks."""
    import io

    book = load_workbook(io.BytesIO(report), read_only=True)
    try:
        rows = book[LIST_TITLE].iter_rows(
            min_row=2 + offset, max_row=1 + offset + limit, values_only=True
        )
        return [(r[0], r[1], r[2]) for r in rows if r and len(r) >= 3]
    finally:
        book.close()
