"""Builders of real .xlsx files (good and malformed) for the ledger tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    title_width: int = 6,
    extra_lines: Sequence[str] = (),
) -> bytes:
    """A workbook whose first sheet holds `rows`, optionally under a merged title row."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=title_width)
        for line in extra_lines:
            ws.append([line])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(data: bytes, add: dict[str, bytes], replace: dict[str, bytes] | None = None) -> bytes:
    """Copy an xlsx package adding or replacing parts (macros, external links...)."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def macro_workbook(data: bytes) -> bytes:
    """What Excel writes for an .xlsm: a vbaProject part and a macro-enabled content type."""
    content_types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    content_types = content_types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rezip(
        data,
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b'Attribute VB_Name = "Module1"' * 50},
        {"[Content_Types].xml": content_types},
    )


def zip_bomb() -> bytes:
    """A package whose worksheet inflates from kilobytes to 40 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (40 * 1024 * 1024))
    return out.getvalue()


def workbook(sheets: Sequence[tuple[str, Sequence[Sequence[Any]], str]]) -> bytes:
    """An .xlsx of several sheets given as (title, rows, state: visible|hidden|veryHidden)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows, state in sheets:
        ws = wb.create_sheet(title)
        ws.sheet_state = state
        for row in rows:
            ws.append(list(row))
    # Excel refuses to open a workbook whose active tab is hidden; point it at a visible one
    wb.active = next(i for i, (_, _, state) in enumerate(sheets) if state == "visible")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Sheet1",
    before: Sequence[tuple[str, Sequence[Sequence[Any]], int]] = (),
    formula_at: tuple[int, int] | None = None,
) -> bytes:
    """A real BIFF8 .xls written by xlwt, as Excel 97-2003 saves it.

    Dates (`datetime.date`) are written as Excel date cells; `before` adds sheets
    ahead of the data sheet as (title, rows, visibility: 0 visible, 1 hidden);
    `formula_at` (row, column, 0-based) puts a formula in that cell.
    """
    import datetime as dt

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, sheet_rows, visibility in [*before, (title, rows, 0)]:
        sheet = book.add_sheet(name)
        sheet.visibility = visibility
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
        if name == title and formula_at is not None:
            sheet.write(*formula_at, xlwt.Formula("1+1"))
    book.active_sheet = len(before)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(
    rows: Sequence[Sequence[Any]], encoding: str = "utf-8", delimiter: str = ","
) -> bytes:
    """A CSV file as other systems export them: the stdlib writer, then encoded."""
    import csv

    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)


def numeric_id_that_passes_checksum(birth: str = "19850612") -> tuple[str, float]:
    """An ID number as Excel keeps it after storing the cell as a number: 15 significant
    digits, the last three turned to 0. Returns (the number the import would read, the
    float in the cell) for a case where that mangled number still passes the checksum."""
    from lianjian.core.validators import id_number_check_char

    for digit in "0123456789":
        for address in ("310105", "310104", "310106", "110105"):
            first17 = f"{address}{birth}{digit}00"
            if id_number_check_char(first17) == "0":
                mangled = first17 + "0"
                return mangled, float(mangled)
    raise AssertionError("no checksum-valid mangled number found")


def xls_with_vba(data: bytes) -> bytes:
    """The .xls compound file with a `_VBA_PROJECT_CUR` storage beside its Workbook
    stream, as Excel saves a workbook carrying VBA macros (here the storage is empty)."""
    import struct

    buf = bytearray(data)
    entry = data.rindex("Workbook\x00".encode("utf-16-le"))  # xlwt's directory entry 1
    struct.pack_into("<i", buf, entry + 72, 2)  # its right sibling: entry 2
    name = "_VBA_PROJECT_CUR\x00".encode("utf-16-le")
    spare = entry + 128  # xlwt leaves entries 2 and 3 empty
    buf[spare : spare + 64] = name.ljust(64, b"\0")
    struct.pack_into("<HBBiii", buf, spare + 64, len(name), 1, 1, -1, -1, -1)
    return bytes(buf)


def xls_macro_sheet(data: bytes) -> bytes:
    """The .xls with its first sheet declared an Excel 4.0 macro sheet (BOUNDSHEET type 1)."""
    import struct

    buf = bytearray(data)
    # first BOUNDSHEET record: opcode 0x0085, then length, stream offset (4), state, type
    at = data.index(struct.pack("<H", 0x0085))
    buf[at + 4 + 5] = 0x01
    return bytes(buf)
