"""Legacy .xls workbooks (Excel 97–2003, BIFF8, and BIFF5 before it), read with xlrd.

An .xls is an OLE2 compound file holding a "Workbook" stream of BIFF
records. xlrd reads cell values and the cached results of formulas and never
evaluates anything; the checks here refuse, before xlrd parses a sheet, what
S20 refuses in an .xlsx: encryption, VBA projects, Excel 4.0 macro sheets,
and (by walking the records) any formula cell, named by sheet and cell.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any

import xlrd
from openpyxl.utils import get_column_letter
from xlrd import compdoc

from lianjian.ledger.safety import LedgerFileError

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_BOF, _BOUNDSHEET = 0x0809, 0x0085
_FORMULAS = frozenset({0x0006, 0x0206, 0x0406})
# BOUNDSHEET sheet types: 0 worksheet, 1 Excel 4.0 macro sheet, 2 chart, 6 VBA module
_MACRO_SHEETS = frozenset({1, 6})
_VBA_STORAGES = frozenset({"_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"})
_ENCRYPTED = frozenset({"ENCRYPTEDPACKAGE", "ENCRYPTIONINFO"})

_BROKEN = "文件已损坏或不是有效的 .xls 工作簿，无法读取；请在 Excel 中打开后另存为 .xlsx 再导入"


def _workbook_stream(data: bytes) -> bytes:
    """The BIFF stream, after refusing encrypted packages and VBA projects."""
    try:
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
    except (compdoc.CompDocError, struct.error, IndexError, ValueError) as exc:
        raise LedgerFileError(_BROKEN) from exc
    names = {d.name.upper() for d in doc.dirlist}
    if names & _ENCRYPTED:
        raise LedgerFileError("文件已加密或受权限保护，请取消密码保护后再导入")
    if names & _VBA_STORAGES:
        raise LedgerFileError(
            "文件包含宏（VBA 代码），出于安全考虑不予导入；请另存为不含宏的工作簿"
        )
    for name in ("Workbook", "Book"):
        try:
            stream = doc.get_named_stream(name)
        except (compdoc.CompDocError, struct.error, IndexError, ValueError) as exc:
            raise LedgerFileError(_BROKEN) from exc
        if stream:
            return bytes(stream)
    raise LedgerFileError("这个文件不是 Excel 工作簿（可能是 Word 等其他 Office 文件）")


def _records(stream: bytes) -> Iterator[tuple[int, int, int]]:
    """(position, opcode, body length) of each BIFF record."""
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        opcode, length = struct.unpack_from("<HH", stream, pos)
        yield pos, opcode, length
        pos += 4 + length


def check_xls(data: bytes) -> None:
    """Refuse encryption, VBA and macro sheets before anything parses the cells."""
    stream = _workbook_stream(data)
    for pos, opcode, length in _records(stream):
        if opcode == _BOUNDSHEET and length >= 6 and stream[pos + 9] in _MACRO_SHEETS:
            raise LedgerFileError(
                "文件包含宏表（Excel 4.0 宏或 VBA 模块），出于安全考虑不予导入；"
                "请另存为不含宏的工作簿"
            )


def _formula_cell(stream: bytes, sheet_names: list[str]) -> tuple[str, int, int] | None:
    """The first formula cell as (sheet, row, column), each sheet found by its BOF offset."""
    worksheet_at: dict[int, str] = {}
    order = iter(sheet_names)
    current = ""
    for pos, opcode, length in _records(stream):
        if opcode == _BOUNDSHEET and length >= 6:
            offset = struct.unpack_from("<i", stream, pos + 4)[0]
            if stream[pos + 9] == 0:
                worksheet_at[offset] = next(order, "")
        elif opcode == _BOF:
            current = worksheet_at.get(pos, current)
        elif opcode in _FORMULAS and length >= 4:
            row, col = struct.unpack_from("<HH", stream, pos + 4)
            return current, row + 1, col + 1
    return None


class XlsSheet:
    """One worksheet of an opened .xls, read as typed cell values."""

    def __init__(self, sheet: Any, datemode: int) -> None:
        self.title: str = sheet.name
        self.visible = sheet.visibility == 0
        self._sheet = sheet
        self._datemode = datemode

    def _value(self, cell: Any) -> Any:
        kind = cell.ctype
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if kind == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, self._datemode)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                return cell.value
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        if kind == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERROR")
        return cell.value  # text as str, numbers as float

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for index in range(self._sheet.nrows):
            yield index + 1, [self._value(c) for c in self._sheet.row(index)]


def open_xls(data: bytes) -> list[XlsSheet]:
    """Every worksheet of a checked .xls; formula cells refused with their position."""
    check_xls(data)
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=False)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise LedgerFileError("文件已加密，请取消密码保护后再导入") from exc
        raise LedgerFileError(_BROKEN) from exc
    except Exception as exc:  # xlrd raises assorted types on a damaged stream
        raise LedgerFileError(_BROKEN) from exc
    found = _formula_cell(_workbook_stream(data), book.sheet_names())
    if found is not None:
        sheet, row, col = found
        raise LedgerFileError(
            f"工作表“{sheet}”第 {row} 行 {get_column_letter(col)} 列含有公式，台账只能包含数值；"
            "请复制后“选择性粘贴为数值”再导入"
        )
    return [XlsSheet(sheet, book.datemode) for sheet in book.sheets()]
