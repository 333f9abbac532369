"""The encrypted container of a backup: AES-256-GCM over fixed-size chunks (R4).

    b"LJBACKUP1\n" | header length (4 bytes) | header JSON | chunks...
    chunk: ciphertext length (4 bytes) | ciphertext (plaintext + 16-byte tag)

Chunk `i` is sealed with nonce = header nonce prefix (8 bytes) + i (4 bytes)
and associated data = header + i + a final flag, so reordering, dropping,
appending or cutting off chunks all fail to decrypt (the STREAM construction
of Hoang, Reyhanitabar, Rogaway and Vizár over `cryptography`'s AESGCM). The
first chunk is the manifest (JSON); the rest is the database payload. The
header holds no data: the format, the chunk size, the nonce prefix and a
fingerprint of the key, so a wrong key is named as such.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"LJBACKUP1\n"
CHUNK = 4 * 1024 * 1024
_LEN = struct.Struct(">I")


class ArchiveError(ValueError):
    """An archive that cannot be read: wrong key, damaged, cut short or not a backup."""


def key_fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"lianjian-backup-key|" + key).hexdigest()[:16]


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">IB", index, 1 if final else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def write_archive(out: IO[bytes], key: bytes, manifest: dict[str, Any], payload: IO[bytes]) -> int:
    """Seal the manifest and the payload stream into `out`; returns the payload's size."""
    prefix = os.urandom(8)
    header = json.dumps(
        {
            "format": 1,
            "cipher": "AES-256-GCM",
            "chunk": CHUNK,
            "nonce_prefix": prefix.hex(),
            "key": key_fingerprint(key),
        },
        sort_keys=True,
    ).encode()
    aead = AESGCM(key)
    out.write(MAGIC + _LEN.pack(len(header)) + header)

    def seal(index: int, data: bytes, final: bool) -> None:
        sealed = aead.encrypt(_nonce(prefix, index), data, _aad(header, index, final))
        out.write(_LEN.pack(len(sealed)) + sealed)

    seal(0, json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode(), False)
    index, size = 1, 0
    pending = payload.read(CHUNK)
    while True:
        following = payload.read(CHUNK)
        seal(index, pending, final=not following)
        size += len(pending)
        if not following:
            return size
        pending, index = following, index + 1


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise ArchiveError("备份文件不完整（被截断）")
    return data


def open_archive(stream: IO[bytes], key: bytes) -> tuple[dict[str, Any], Iterator[bytes]]:
    """The manifest, and an iterator over the payload's plaintext chunks (checked as they come)."""
    if stream.read(len(MAGIC)) != MAGIC:
        raise ArchiveError("不是联建备份文件")
    header = _read_exact(stream, _LEN.unpack(_read_exact(stream, 4))[0])
    try:
        info = json.loads(header)
        prefix = bytes.fromhex(info["nonce_prefix"])
    except (ValueError, KeyError) as exc:
        raise ArchiveError("备份文件头已损坏") from exc
    if info.get("key") != key_fingerprint(key):
        raise ArchiveError("备份密钥不符：BACKUP_KEY 与写入此备份时的不同")
    aead = AESGCM(key)

    def open_chunk(index: int) -> tuple[bytes, bool]:
        head = stream.read(4)
        if len(head) != 4:
            raise ArchiveError("备份文件不完整（被截断）")
        sealed = _read_exact(stream, _LEN.unpack(head)[0])
        for final in (False, True):
            try:
                return aead.decrypt(
                    _nonce(prefix, index), sealed, _aad(header, index, final)
                ), final
            except InvalidTag:
                continue
        raise ArchiveError(f"备份文件第 {index} 块已损坏或被改动")

    manifest_bytes, final = open_chunk(0)
    if final:
        raise ArchiveError("备份文件不完整（没有数据）")
    manifest = json.loads(manifest_bytes)

    def chunks() -> Iterator[bytes]:
        index = 1
        while True:
            data, final = open_chunk(index)
            yield data
            if final:
                if stream.read(1):
                    raise ArchiveError("备份文件末尾有多余的数据")
                return
            index += 1

    return manifest, chunks()


def copy_chunks(chunks: Iterable[bytes], out: IO[bytes]) -> int:
    size = 0
    for data in chunks:
        out.write(data)
        size += len(data)
    return size
