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
    kid, alg, _ = token.split("$", 2)
    want = "A" if settings.FIELD_ENCRYPTION_ALGORITHM == "AES-256-GCM" else "S"
    return kid != _active_kid() or alg != want


def blind_index(value: str, purpose: str) -> str:
    """Deterministic keyed hash: equal inputs match, the value itself is not revealed."""
    mac = hmac.new(settings.BLIND_INDEX_KEY, f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()
