"""Field encryption, SM4-GCM, key rotation and no plaintext at rest (S14)."""

from __future__ import annotations

import base64
import os
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from lianjian.core import crypto
from lianjian.orgs.models import Member
from lianjian.orgs.tests.factories import make_member


def _new_key() -> bytes:
    return os.urandom(32)


def _raw_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM orgs_member ORDER BY id")
        return list(cursor.fetchall())


def test_aes_round_trip_binds_purpose_and_detects_tampering() -> None:
    token = crypto.encrypt("310105198506120011", "member.id_number")
    kid, alg, blob = token.split("$", 2)
    assert (kid, alg) == (next(iter(settings.FIELD_ENCRYPTION_KEYS)), "A")
    assert crypto.decrypt(token, "member.id_number") == "310105198506120011"
    assert crypto.encrypt("x", "p") != crypto.encrypt("x", "p")  # random nonce
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "member.mobile")  # copied into another column
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{kid}${alg}${base64.b64encode(bytes(raw)).decode()}", "member.id_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("nokey$A$AAAA", "member.id_number")


@override_settings(FIELD_ENCRYPTION_ALGORITHM="SM4-GCM")
def test_sm4_gcm_round_trip() -> None:
    token = crypto.encrypt("13912345678", "member.mobile")
    assert token.split("$")[1] == "S"
    assert crypto.decrypt(token, "member.mobile") == "13912345678"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "member.id_number")
    # an SM4 ciphertext stays readable after switching back to AES (rotation reads both)
    with override_settings(FIELD_ENCRYPTION_ALGORITHM="AES-256-GCM"):
        assert crypto.decrypt(token, "member.mobile") == "13912345678"
        assert crypto.needs_rotation(token)


def test_blind_index_is_keyed_and_deterministic() -> None:
    a = crypto.blind_index("310105198506120011", "member.id_number")
    assert a == crypto.blind_index("310105198506120011", "member.id_number")
    assert a != crypto.blind_index("310105198506120011", "member.mobile")
    with override_settings(BLIND_INDEX_KEY=_new_key()):
        assert a != crypto.blind_index("310105198506120011", "member.id_number")


@pytest.mark.django_db
def test_database_never_holds_plaintext_id_or_mobile(tree: Any) -> None:
    members = list(Member.objects.all())
    secrets = [m.id_number for m in members] + [m.mobile for m in members if m.mobile]
    assert len(members) == 3 and all(len(m.id_number) == 18 for m in members)
    for id_cipher, mobile_cipher in _raw_columns():
        assert id_cipher.count("$") == 2 and not any(s in id_cipher for s in secrets)
        assert not any(s in (mobile_cipher or "") for s in secrets)
    # the whole database, as a dump would see it
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            dump = "\n".join(connection.connection.iterdump())
        else:
            parts = []
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 - catalog names
                parts += [row[0] for row in cursor.fetchall()]
            dump = "\n".join(parts)
    assert "虹储居民区" in dump  # the dump is real
    for secret in secrets:
        assert secret not in dump


@pytest.mark.django_db
def test_rotate_keys_reencrypts_everything_with_the_new_key(tree: Any) -> None:
    old_keys = dict(settings.FIELD_ENCRYPTION_KEYS)
    old_kid = next(iter(old_keys))
    make_member(party_org=tree.org_a1, name="吴四", mobile="13812345678")
    expected = {m.pk: (m.id_number, m.mobile) for m in Member.objects.all()}
    assert all(c.startswith(f"{old_kid}$") for c, _ in _raw_columns())

    new_keys = {"k9": _new_key(), **old_keys}
    with override_settings(FIELD_ENCRYPTION_KEYS=new_keys):
        dry = StringIO()
        call_command("rotate_keys", "--dry-run", stdout=dry)
        assert "orgs.Member.id_number: would re-encrypt 4 rows" in dry.getvalue()
        assert all(c.startswith(f"{old_kid}$") for c, _ in _raw_columns())

        out = StringIO()
        call_command("rotate_keys", "--batch-size", "2", stdout=out)
        assert "orgs.Member.id_number: re-encrypted 4 rows" in out.getvalue()
        for id_cipher, mobile_cipher in _raw_columns():
            assert id_cipher.startswith("k9$A$")
            assert not mobile_cipher or mobile_cipher.startswith("k9$A$")
        again = StringIO()
        call_command("rotate_keys", stdout=again)
        assert "re-encrypted 0 rows" in again.getvalue()

    # the old key can now be removed: every value still reads back
    with override_settings(FIELD_ENCRYPTION_KEYS={"k9": new_keys["k9"]}):
        got = {m.pk: (m.id_number, m.mobile) for m in Member.objects.all()}
        assert got == expected
    from lianjian.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="config.rotate_keys").count() == 2


@pytest.mark.django_db
@override_settings(FIELD_ENCRYPTION_ALGORITHM="SM4-GCM")
def test_members_stored_under_sm4_and_rotated_to_it(tree: Any) -> None:
    member = make_member(party_org=tree.org_a2, name="郑五")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM orgs_member WHERE id = %s", [member.pk])
        assert cursor.fetchone()[0].split("$")[1] == "S"
    call_command("rotate_keys", stdout=StringIO())  # the fixture's AES rows move to SM4
    assert {c.split("$")[1] for c, _ in _raw_columns()} == {"S"}
    assert Member.objects.get(pk=member.pk).id_number == member.id_number
