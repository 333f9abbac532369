"""Writing .xlsx files: list exports, report exports and import templates.

Every workbook is built with openpyxl's write-only mode (rows stream to disk,
memory stays flat for 100k rows). Every text cell passes `neutralize`, so a
value such as `=HYPERLINK(...)` typed into a unit name is shown as text and
never evaluated by the spreadsheet that opens the export (S21). A list's rows
are its kind's (`LedgerKind.export_rows`), which masks personal data with
`core.masking.mask` unless the caller asked for full values and holds the
right to see them (S9, S15).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lianjian.core.ledger_kinds import EXAMPLE_MARK, Column, LedgerKind
from lianjian.ledger.kinds import kind_for

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralize(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> Any:
    """Write sheets of (title, headers, rows) to a temporary file; returns the open file."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=neutralize(text))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([neutralize(v) for v in row])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(handle: Any, filename: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def stamp(prefix: str) -> str:
    return f"{prefix}_{timezone.localtime():%Y%m%d%H%M}.xlsx"


# ---------------------------------------------------------------- registry lists


def _declared(kind: str | LedgerKind) -> LedgerKind:
    """The kind itself, or the declared kind of that key."""
    if isinstance(kind, LedgerKind):
        return kind
    declared = kind_for(kind)
    if declared is None:
        raise ValueError(f"unknown ledger kind {kind}")
    return declared


def headers_for(kind: str | LedgerKind) -> list[str]:
    return [c.label for c in _declared(kind).columns]


def _counted(
    rows: Iterable[Sequence[Any]], progress: Callable[[int], None], every: int = 2000
) -> Iterator[Sequence[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % every == 0:
            progress(done)
    progress(done)


def export_list(
    kind: str | LedgerKind,
    qs: Any,
    *,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Any:
    """The list as a workbook; `progress(rows written)` is told every 2,000 rows."""
    declared = _declared(kind)
    rows: Iterable[Sequence[Any]] = declared.export_rows(qs, full)
    if progress is not None:
        rows = _counted(rows, progress)
    return write_workbook([(declared.label, headers_for(kind), rows)])


# ---------------------------------------------------------------- templates and error reports


def import_template(kind: str | LedgerKind) -> Any:
    """The kind's template: header, one example row (skipped on import), a dropdown on
    every enumeration and yes/no column, identifier columns formatted as text."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    declared = _declared(kind)
    columns = declared.columns
    book = Workbook()
    sheet = book.active
    sheet.title = f"{declared.label}台账"
    sheet.append([c.label for c in columns])
    example = declared.example
    sheet.append([example.get(c.key) for c in columns])
    grey = Font(italic=True, color="808080")
    for pos, column in enumerate(columns, 1):
        letter = get_column_letter(pos)
        sheet.cell(1, pos).font = Font(bold=True)
        sheet.cell(2, pos).font = grey
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.label) + 4)
        if column.text_only or column.kind == "code":
            # typed numbers stay text: Excel would keep 15 digits of an ID number
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(2, pos).number_format = "@"
        options = dropdown_options(column)
        if options:
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{column.label}无效",
                error=f"请从下拉列表中选择：{'、'.join(options)}",
            )
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求"])
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.note or ""])
    notes.append([])
    for text in TEMPLATE_NOTES:
        notes.append(["说明", "", text])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


TEMPLATE_ROWS = 20000
TEMPLATE_NOTES = (
    f"第2行是填写示例（姓名或名称以“{EXAMPLE_MARK}”开头），导入时自动跳过，可保留或删除。",
    "表头可位于前15行内的任一行，其上方可有标题行；默认每个文件要么全部导入，要么一行也不导入，"
    "上传时也可选择“仅导入有效行”。",
    "已登记的记录（单位按统一社会信用代码、党员按身份证号、党组织按名称）将被更新而不是重复新增。",
    "身份证号、统一社会信用代码列须为“文本”格式：设成数值的单元格会被 Excel 改掉后几位，导入时将被拒绝。",
    "日期可写作 2017-07-18、2017/7/18、2017.7.18、2017年7月18日，只知道年月时写 2017.07 或 2017年7月；"
    "不得包含公式、宏或外部链接。",
    "也可导入旧版 .xls 文件和 CSV 文件（UTF-8 或 GBK 编码）；隐藏的工作表不会被读取。",
)


def dropdown_options(column: Column) -> list[str]:
    """The labels offered in a column's dropdown: the enumeration's, or 是/否."""
    if column.kind == "bool":
        return ["是", "否"]
    if column.kind != "enum":
        return []
    return [str(label) for label in column.options]


def read_bytes(handle: Any) -> bytes:
    handle.seek(0)
    data: bytes = handle.read()
    handle.close()
    return data
