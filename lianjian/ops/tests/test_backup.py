"""Backup, restore and the drill keep ciphertexts as stored and check what they restore (R4)."""

from __future__ import annotations

import base64
import os
import sqlite3
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lianjian.core.audit import audit_record
from lianjian.core.models import AuditEvent
from lianjian.ops import archive as archive_module
from lianjian.ops.archive import ArchiveError
from lianjian.ops.backup import (
    BackupError,
    Target,
    backup_create,
    backup_drill,
    check_restored,
    restore_archive,
)
from lianjian.orgs.models import Member


@pytest.fixture
def backup_key(settings: Any) -> bytes:
    key = os.urandom(32)
    settings.BACKUP_KEY = key
    return key


# a PostgreSQL target never reached: the archive's vendor is checked first
PG_ANYWHERE = {"NAME": "lianjian_never_created", "HOST": "127.0.0.1"}


def _stored(table: str, column: str, pk: int, conn: Any = None) -> str:
    """A column's value as the database holds it (the ciphertext), not as the model reads it."""
    if conn is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
            return str(cursor.fetchone()[0])
    sql = f"SELECT {column} FROM {table} WHERE id = ?"  # noqa: S608 - test constants
    return str(conn.execute(sql, [pk]).fetchone()[0])


def _skip_unless_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path; PostgreSQL's is test_postgresql_backup_restore_and_drill")


@pytest.mark.usefixtures("committed_db")
def test_sqlite_backup_is_encrypted_and_restores_ciphertexts_as_stored(
    tree: Any, backup_key: bytes, tmp_path: Path
) -> None:
    _skip_unless_sqlite()
    member = tree.member_a1
    audit_record("test.event", detail={"i": 1})
    result = backup_create(tmp_path / "b.ljbk")
    raw = result.path.read_bytes()
    # nothing readable in the archive: no ID number, no name, no ciphertext either
    stored_id = _stored("orgs_member", "id_number", member.pk)
    for secret in (member.id_number, member.name, stored_id, "orgs_member"):
        assert secret.encode() not in raw
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    assert result.manifest["tables"]["orgs_member"] == Member.objects.count() == 3
    assert result.manifest["audit"]["seq"] == AuditEvent.objects.count()

    target = Target("sqlite", {"NAME": str(tmp_path / "restored.sqlite3")})
    manifest = restore_archive(result.path, target)
    with sqlite3.connect(tmp_path / "restored.sqlite3") as restored:
        assert _stored("orgs_member", "id_number", member.pk, restored) == stored_id
        assert stored_id != member.id_number  # a ciphertext, kept as stored
    check = check_restored(target, manifest)
    assert check.ok, check.problems
    assert check.audit_rows == manifest["audit"]["seq"] > 0
    assert check.decrypted == 6 + 0  # three ID numbers and three mobiles
    # a fresh database only
    with pytest.raises(BackupError, match="已存在且不为空"):
        restore_archive(result.path, target)


@pytest.mark.usefixtures("committed_db")
def test_a_restored_database_that_differs_is_reported(
    tree: Any, backup_key: bytes, tmp_path: Path
) -> None:
    _skip_unless_sqlite()
    result = backup_create(tmp_path / "b.ljbk")
    target = Target("sqlite", {"NAME": str(tmp_path / "restored.sqlite3")})
    manifest = restore_archive(result.path, target)
    with sqlite3.connect(tmp_path / "restored.sqlite3") as restored:
        restored.execute("DROP TRIGGER core_auditevent_no_delete")
        restored.execute("DELETE FROM orgs_orgunitcoverage")
        restored.execute("DELETE FROM core_auditevent WHERE seq = 2")
        restored.execute(
            "UPDATE orgs_member SET mobile = 'k1:' || substr(mobile, 4, 10) || 'AAAA' WHERE id = ?",
            [tree.member_a2.pk],
        )
    check = check_restored(target, manifest)
    assert not check.ok
    text = "\n".join(check.problems)
    assert "orgs_orgunitcoverage：应有 1 行，恢复出 0 行" in text
    assert "审计链第 2 条：第 2 条记录缺失" in text
    assert "orgs.Member.mobile 无法用当前密钥解密" in text


def _backup_bytes(tmp_path: Path) -> bytes:
    return backup_create(tmp_path / "b.ljbk").path.read_bytes()


@pytest.mark.usefixtures("committed_db")
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[: len(raw) - 100], "被截断"),
        (lambda raw: raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:], "已损坏或被改动"),
        (lambda raw: raw + b"x", "多余的数据"),
        (lambda raw: b"PK\x03\x04" + raw[4:], "不是联建备份文件"),
    ],
)
def test_a_damaged_archive_is_refused(
    tree: Any, backup_key: bytes, tmp_path: Path, monkeypatch: Any, damage: Any, message: str
) -> None:
    _skip_unless_sqlite()
    monkeypatch.setattr(archive_module, "CHUNK", 64 * 1024)  # several chunks, so cuts fall between
    damaged = tmp_path / "damaged.ljbk"
    damaged.write_bytes(damage(_backup_bytes(tmp_path)))
    with pytest.raises(ArchiveError, match=message):
        restore_archive(damaged, Target("sqlite", {"NAME": str(tmp_path / "r.sqlite3")}))
    assert not (tmp_path / "r.sqlite3").exists()


@pytest.mark.usefixtures("committed_db")
def test_the_wrong_key_and_no_key_are_named(
    tree: Any, backup_key: bytes, tmp_path: Path, settings: Any
) -> None:
    _skip_unless_sqlite()
    path = backup_create(tmp_path / "b.ljbk").path
    settings.BACKUP_KEY = os.urandom(32)
    with pytest.raises(ArchiveError, match="备份密钥不符"):
        restore_archive(path, Target("sqlite", {"NAME": str(tmp_path / "r.sqlite3")}))
    settings.BACKUP_KEY = None
    with pytest.raises(CommandError, match="未设置 BACKUP_KEY"):
        call_command("backup", "-o", str(tmp_path / "c.ljbk"))


@pytest.mark.usefixtures("committed_db")
def test_backup_and_drill_commands_print_what_they_did(
    tree: Any, backup_key: bytes, tmp_path: Path
) -> None:
    _skip_unless_sqlite()
    out = StringIO()
    call_command("backup", "-o", str(tmp_path / "b.ljbk"), stdout=out)
    assert f"备份完成：{tmp_path / 'b.ljbk'}" in out.getvalue()
    assert AuditEvent.objects.filter(action="backup.create").exists()
    out = StringIO()
    call_command("backup", "drill", stdout=out)
    text = out.getvalue()
    for line in ("  备份 ", "  恢复 ", "  核对 ", "  合计 ", "演练通过"):
        assert line in text
    assert "解密抽样 6 个" in text
    drill = AuditEvent.objects.get(action="backup.drill")
    assert drill.result == "success"
    # drilling an existing archive, and restoring it with the command
    out = StringIO()
    call_command("backup", "drill", "--archive", str(tmp_path / "b.ljbk"), stdout=out)
    assert "演练通过" in out.getvalue()
    out = StringIO()
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    call_command("restore", str(tmp_path / "b.ljbk"), "--to", url, stdout=out)
    assert "核对通过" in out.getvalue()
    with pytest.raises(CommandError, match="已存在且不为空"):
        call_command("restore", str(tmp_path / "b.ljbk"), "--to", url)
    with pytest.raises(BackupError, match="不能恢复到 postgresql"):
        restore_archive(tmp_path / "b.ljbk", Target("postgresql", PG_ANYWHERE), create=True)


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_postgresql_backup_restore_and_drill(tree: Any, backup_key: bytes, tmp_path: Path) -> None:
    """pg_dump's custom format in an exported snapshot; restored into a fresh database."""
    from lianjian.ops.backup import _drop_scratch

    member = tree.member_a1
    stored_id = _stored("orgs_member", "id_number", member.pk)
    result = backup_create(tmp_path / "b.ljbk")
    assert member.id_number.encode() not in result.path.read_bytes()
    assert result.manifest["vendor"] == "postgresql"
    assert result.manifest["tables"]["orgs_member"] == 3
    target = Target.configured()
    target = Target(
        "postgresql", {**target.settings, "NAME": f"{target.settings['NAME']}_restore_test"}
    )
    _drop_scratch(target)
    try:
        manifest = restore_archive(result.path, target, create=True)
        from lianjian.ops.backup import _pg_connect

        with _pg_connect(target.settings) as restored:
            found = restored.execute(
                "SELECT id_number FROM orgs_member WHERE id = %s", [member.pk]
            ).fetchone()[0]
        assert found == stored_id
        check = check_restored(target, manifest)
        assert check.ok, check.problems
        with pytest.raises(BackupError, match=r"已有 \d+ 张表"):
            restore_archive(result.path, target)
    finally:
        _drop_scratch(target)
    drill = backup_drill()
    assert drill.ok, drill.check.problems
    assert drill.check.decrypted == 6


def test_archive_round_trip_without_a_database(tmp_path: Path, monkeypatch: Any) -> None:
    import io

    monkeypatch.setattr(archive_module, "CHUNK", 1000)
    key = base64.b64decode(base64.b64encode(os.urandom(32)))
    payload = os.urandom(4500)
    buffer = io.BytesIO()
    size = archive_module.write_archive(buffer, key, {"vendor": "sqlite"}, io.BytesIO(payload))
    assert size == 4500
    buffer.seek(0)
    manifest, chunks = archive_module.open_archive(buffer, key)
    assert manifest == {"vendor": "sqlite"}
    assert b"".join(chunks) == payload
