"""Field encryption (AES-256-GCM or SM4-GCM) and HMAC blind indexes (QUALITY.md S14).

Ciphertexts carry their key id and algorithm, `kid$alg$base64(nonce|ct|tag)`,
so keys can rotate: the first key in FIELD_ENCRYPTION_KEYS encrypts, every
listed key decrypts, and `lianjian rotate_keys` re-encrypts old rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_TAG = 16


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _active_kid() -> str:
    return next(iter(settings.FIELD_ENCRYPTION_KEYS))


def _sm4_key(key: bytes) -> bytes:
    # SM4 takes 128-bit keys; derive one from a longer key with a domain label
    return key if len(key) == 16 else hashlib.sha256(b"lianjian-sm4" + key).digest()[:16]


def _encrypt_raw(alg: str, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    if alg == "A":
        return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
    encryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ct = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + ct + encryptor.tag


def _decrypt_raw(alg: str, key: bytes, blob: bytes, aad: bytes) -> bytes:
    nonce, body = blob[:12], blob[12:]
    if alg == "A":
        return AESGCM(key).decrypt(nonce, body, aad)
    decryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce, body[-_TAG:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body[:-_TAG]) + decryptor.finalize()


def encrypt(plaintext: str, purpose: str = "") -> str:
    """Encrypt with the active key; `purpose` binds the ciphertext to its column."""
    kid = _active_kid()
    alg = "A" if settings.FIELD_ENCRYPTION_ALGORITHM == "AES-256-GCM" else "S"
    blob = _encrypt_raw(
        alg, settings.FIELD_ENCRYPTION_KEYS[kid], plaintext.encode(), purpose.encode()
    )
    return f"{kid}${alg}${base64.b64encode(blob).decode()}"


def decrypt(token: str, purpose: str = "") -> str:
    try:
        kid, alg, b64 = token.split("$", 2)
        key = settings.FIELD_ENCRYPTION_KEYS[kid]
        return _decrypt_raw(alg, key, base64.b64decode(b64), purpose.encode()).decode()
    except Exception as exc:  # any failure means the value is unreadable
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from exc


def needs_rotation(token: str) -> bool:
    """True when `token` was written with another key or algorithm than the active ones."""
    kid, alg, _ = token.split("$", 2)
    want = "A" if settings.FIELD_ENCRYPTION_ALGORITHM == "AES-256-GCM" else "S"
    return kid != _active_kid() or alg != want


def blind_index(value: str, purpose: str) -> str:
    """Deterministic keyed hash: equal inputs match, the value itself is not revealed."""
    mac = hmac.new(settings.BLIND_INDEX_KEY, f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def encrypted_columns() -> list[tuple[Any, Any]]:
    """Every (model, field) pair stored through EncryptedTextField."""
    from django.apps import apps

    from lianjian.core.fields import EncryptedTextField

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_all(*, batch_size: int = 1000, dry_run: bool = False) -> dict[str, int]:
    """Re-encrypt stale ciphertexts column by column, in primary-key batches.

    Reads the raw column (no decrypt on load), so a value is rewritten only
    when its key id or algorithm is not the active one; running it twice
    rewrites nothing the second time.
    """
    from django.db import connection, transaction

    from lianjian.core.audit import audit_record

    report: dict[str, int] = {}
    qn = connection.ops.quote_name
    for model, field in encrypted_columns():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        select = (
            f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} "  # noqa: S608 - names from model meta
            f"WHERE {qn(pk)} > %s AND {qn(column)} IS NOT NULL AND {qn(column)} <> '' "
            f"ORDER BY {qn(pk)} LIMIT %s"
        )
        update = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s"  # noqa: S608
        last, count = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select, [last, batch_size])
                rows = cursor.fetchall()
                stale = [(k, v) for k, v in rows if needs_rotation(v)]
                if not dry_run:
                    cursor.executemany(
                        update,
                        [(encrypt(decrypt(v, field.purpose), field.purpose), k) for k, v in stale],
                    )
            count += len(stale)
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
        report[f"{model._meta.label}.{field.name}"] = count
    if not dry_run:
        audit_record("config.rotate_keys", detail={"active_key": _active_kid(), "rotated": report})
    return report
