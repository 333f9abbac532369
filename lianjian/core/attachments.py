"""Attachment checks: the file's own first bytes decide its type, never its name.

Shared by every app that takes uploads (needs, meeting minutes, progress
photos, e-lessons): each says which kinds and sizes it accepts.
"""

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
    # MP4 (ISO base media): a box size, then "ftyp" and an MP4-family brand
    if head[4:8] == b"ftyp" and head[8:11] in (b"isom"[:3], b"mp4", b"avc", b"iso", b"M4V"):
        return "mp4", "video/mp4"
    return None


IMAGE_OR_PDF = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})
IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
VIDEO = frozenset({"video/mp4"})
_KIND_WORDS = {
    IMAGE_OR_PDF: "图片或 PDF 文件",
    IMAGES: "图片",
    IMAGE_OR_PDF | VIDEO: "图片、PDF 或 MP4 视频",
}


def check_attachments(
    files: Any,
    *,
    max_files: int = MAX_ATTACHMENTS,
    max_bytes: int = MAX_ATTACHMENT_BYTES,
    accept: frozenset[str] = IMAGE_OR_PDF,
) -> list[CheckedFile]:
    """Read and check every file before anything is written; raise with a Chinese message."""
    files = list(files or ())
    if len(files) > max_files:
        raise AttachmentError(f"附件最多 {max_files} 个")
    size_words = f"{max_bytes // (1024 * 1024)} MB"
    checked: list[CheckedFile] = []
    for f in files:
        name = str(getattr(f, "name", "") or "附件")[:200]
        size = getattr(f, "size", None)
        if size is not None and size > max_bytes:
            raise AttachmentError(f"附件“{name}”超过 {size_words}")
        data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise AttachmentError(f"附件“{name}”超过 {size_words}")
        if not data:
            raise AttachmentError(f"附件“{name}”是空文件")
        kind = sniff(data[:16])
        if kind is None or kind[1] not in accept:
            words = _KIND_WORDS.get(accept, "允许的文件类型")
            raise AttachmentError(f"附件“{name}”不是{words}")
        checked.append(CheckedFile(name=name, extension=kind[0], content_type=kind[1], data=data))
    return checked
