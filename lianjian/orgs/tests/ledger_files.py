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
