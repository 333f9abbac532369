"""CSV ledgers as other systems export them: UTF-8 (with or without BOM), GB18030/GBK,
or Excel's "Unicode 文本" (UTF-16 with a BOM, tab-separated).

Every field of a CSV is text: a date is read from its written form only and
an identifier keeps every digit it was written with.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import Any

from lianjian.ledger.safety import LedgerFileError

NOT_A_LEDGER = "文件不是可识别的台账文件：请上传 .xlsx、.xls 或 .csv（UTF-8 或 GBK 编码）文件"
# tried in order; GB18030 is a superset of GBK and GB2312, so one name covers all three
ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes) -> str:
    """The file's text, or `LedgerFileError` for a binary file or an unknown encoding."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LedgerFileError(NOT_A_LEDGER) from exc
    if b"\x00" in data:
        raise LedgerFileError(NOT_A_LEDGER)
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError("无法识别文件的文字编码：CSV 文件请使用 UTF-8 或 GBK（GB18030）编码保存")


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first non-blank line holds most of."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(record number, fields) with blank fields as None, like empty cells."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    number = 0
    try:
        for number, row in enumerate(reader, 1):
            yield number, [value if value.strip() else None for value in row]
    except csv.Error as exc:
        raise LedgerFileError(f"CSV 文件第 {number + 1} 条记录格式有误，无法读取") from exc
