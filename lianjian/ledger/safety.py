"""Checks on an uploaded ledger before any parser touches it (QUALITY.md S20).

The format is told by the bytes, not the file name: a zip is an .xlsx, an
OLE2 compound file an .xls (checked in `xls`), anything else must decode as
CSV text (`textfile`). An .xlsx is a zip of XML parts. Everything here looks only at the zip
directory and the content-types part, so a zip bomb, a macro workbook or a
workbook with external links is refused before openpyxl decompresses a
byte of worksheet XML. openpyxl parses through defusedxml when it is
installed; `ensure_defused_xml` makes that a hard requirement.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings

# An honest ledger of 200k rows is ~40 parts and stays under a few hundred MB
# unpacked; XML compresses about 10–30×. A zip bomb needs thousands.
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1024 * 1024


class LedgerFileError(ValueError):
    """The file as a whole is refused; nothing was read into the database."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ensure_defused_xml() -> None:
    """Refuse to parse workbooks unless openpyxl uses defusedxml (XXE, billion laughs)."""
    from openpyxl import xml as openpyxl_xml

    if not openpyxl_xml.DEFUSEDXML:
        import defusedxml

        defusedxml.defuse_stdlib()
        raise LedgerFileError("服务器未启用安全的 XML 解析（defusedxml），暂不能导入 Excel")


def too_large_message(size: int) -> str:
    limit = settings.EXCEL_UPLOAD_MAX_BYTES
    return f"文件过大：{size / 1048576:.1f} MB，上限为 {limit / 1048576:.1f} MB，请分批导入"


def check_upload(data: bytes) -> str:
    """The file's format ("xlsx", "xls" or "csv") once its checks pass; raises
    `LedgerFileError` for an empty, oversized, unsafe or unreadable file."""
    limit = settings.EXCEL_UPLOAD_MAX_BYTES
    if not data:
        raise LedgerFileError("文件为空，请选择填写好的台账文件（.xlsx、.xls 或 .csv）")
    if len(data) > limit:
        raise LedgerFileError(too_large_message(len(data)))
    from lianjian.ledger import textfile, xls

    if data[:8] == xls.OLE2_SIGNATURE:
        xls.check_xls(data)
        return "xls"
    if data[:4] != b"PK\x03\x04":
        textfile.decode(data)
        return "csv"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LedgerFileError("文件不是有效的 .xlsx 工作簿（Excel 2007 及以上格式）")
    check_xlsx(data)
    return "xlsx"


def check_xlsx(data: bytes) -> None:
    """Refuse a zip bomb, macros, external links and data connections in an .xlsx."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        raise LedgerFileError("文件已损坏，无法作为 .xlsx 工作簿打开") from exc
    if len(entries) > MAX_ENTRIES:
        raise LedgerFileError(f"文件包含 {len(entries)} 个内部部件，超过上限 {MAX_ENTRIES}，已拒绝")
    total = 0
    names = set()
    for info in entries:
        if info.flag_bits & 0x1:
            raise LedgerFileError("文件已加密，请取消密码保护后再导入")
        total += info.file_size
        if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise LedgerFileError("文件压缩比异常（疑似“压缩炸弹”），已拒绝导入")
        names.add(info.filename.replace("\\", "/").lower())
    if total > MAX_UNCOMPRESSED_BYTES:
        raise LedgerFileError("文件解压后体积过大（疑似“压缩炸弹”），已拒绝导入")
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise LedgerFileError("文件不是有效的 .xlsx 工作簿（缺少工作簿结构）")
    if any(n.endswith("vbaproject.bin") or (n.endswith(".bin") and "vba" in n) for n in names):
        raise LedgerFileError(
            "文件包含宏（VBA 代码），出于安全考虑不予导入；请另存为不含宏的 .xlsx"
        )
    content_types = archive.read("[Content_Types].xml")
    if len(content_types) > 1024 * 1024:
        raise LedgerFileError("文件结构异常，已拒绝导入")
    lowered = content_types.lower()
    if b"macroenabled" in lowered or b"vbaproject" in lowered:
        raise LedgerFileError("文件包含宏（启用宏的工作簿），出于安全考虑不予导入")
    if any(n.startswith("xl/externallinks/") for n in names) or b"externallink" in lowered:
        raise LedgerFileError("文件包含指向其他工作簿的外部链接，请删除外部链接后再导入")
    if "xl/connections.xml" in names:
        raise LedgerFileError("文件包含外部数据连接，请删除数据连接后再导入")
