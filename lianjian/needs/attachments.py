"""Attachment checks: the file's own first bytes decide its type, never its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5

# (magic prefix, extension, content type)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"%PDF-", "pdf", "application/pdf"),
)


@dataclass
class CheckedFile:
    name: str
    extension: str
    content_type: str
    data: bytes


class AttachmentError(ValueError):
    pass


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, ext, ctype in _SIGNATURES:
        if head.startswith(magic):
            return ext, ctype
    # WebP: RIFF....WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


def check_attachments(files: Any) -> list[CheckedFile]:
    """Read and check every file before anything is written; raise with a Chinese message."""
    files = list(files or ())
    if len(files) > MAX_ATTACHMENTS:
        raise AttachmentError(f"附件最多 {MAX_ATTACHMENTS} 个")
    checked: list[CheckedFile] = []
    for f in files:
        name = str(getattr(f, "name", "") or "附件")[:200]
        size = getattr(f, "size", None)
        if size is not None and size > MAX_ATTACHMENT_BYTES:
            raise AttachmentError(f"附件“{name}”超过 5 MB")
        data = f.read(MAX_ATTACHMENT_BYTES + 1)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise AttachmentError(f"附件“{name}”超过 5 MB")
        if not data:
            raise AttachmentError(f"附件“{name}”是空文件")
        kind = sniff(data[:16])
        if kind is None:
            raise AttachmentError(f"附件“{name}”不是图片或 PDF 文件")
        checked.append(CheckedFile(name=name, extension=kind[0], content_type=kind[1], data=data))
    return checked
