"""The audit head is signed and guarded, TRUNCATE is refused, checkpoints catch a cut chain (S12)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from lianjian.core.audit import (
    CheckpointError,
    audit_anchor,
    audit_record,
    audit_verify,
    parse_checkpoint,
)
from lianjian.core.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        audit_record("test.event", detail={"i": i}, object_id=i)


def _drop_all_triggers() -> None:
    """What a database owner can do; undone with the test's transaction rollback."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_no_update ON core_auditevent")
            cursor.execute("DROP TRIGGER core_audithead_forward_only ON core_audithead")
        else:
            for name in (
                "core_auditevent_no_update",
                "core_auditevent_no_delete",
                "core_audithead_no_delete",
                "core_audithead_forward_only",
            ):
                cursor.execute(f"DROP TRIGGER {name}")


def test_the_head_cannot_be_deleted_or_moved_back() -> None:
    _events(3)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditHead.objects.filter(id=1).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditHead.objects.filter(id=1).update(seq=2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_audithead")
    assert AuditHead.objects.get(id=1).seq == 3
    assert audit_verify().ok


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql() -> None:
    _events(2)
    for table in ("core_auditevent", "core_audithead"):
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            with connection.cursor() as cursor:
                # the suite's own connections allow it for flushes; an ordinary session does not
                cursor.execute("SET LOCAL lianjian.audit_truncate = ''")
                cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 2
    assert audit_verify().ok


def test_a_head_rewritten_to_fit_a_shortened_chain_is_reported() -> None:
    _events(5)
    _drop_all_triggers()
    AuditEvent.objects.filter(seq__gt=3).delete()
    third = AuditEvent.objects.get(seq=3)
    # without the audit key the forger cannot sign the head it writes
    AuditHead.objects.filter(id=1).update(seq=3, last_hash=third.row_hash)
    result = audit_verify()
    assert not result.ok
    assert result.reason == "链头签名不符：链头被改写"
    assert result.checked == 3


def test_a_missing_head_with_rows_left_is_reported() -> None:
    _events(2)
    _drop_all_triggers()
    AuditHead.objects.all().delete()
    result = audit_verify()
    assert (result.ok, result.reason) == (False, "链头记录缺失")


def test_a_checkpoint_catches_an_emptied_chain() -> None:
    _events(4)
    checkpoint = parse_checkpoint(audit_anchor().text())
    _drop_all_triggers()
    AuditEvent.objects.all().delete()
    AuditHead.objects.all().delete()
    # emptied together with its head the chain looks like a fresh one ...
    assert audit_verify().ok
    # ... which the checkpoint kept outside the database tells apart
    result = audit_verify(checkpoint=checkpoint)
    assert not result.ok
    assert "审计链比检查点短：检查点在第 4 条，库中只有 0 条" in result.reason
    with pytest.raises(CommandError, match="BROKEN at seq 1"):
        call_command("audit", "verify", "--checkpoint", checkpoint.text())


def test_a_checkpoint_catches_a_replayed_old_head() -> None:
    _events(3)
    old = AuditHead.objects.values("seq", "last_hash", "signature").get(id=1)
    _events(2)
    checkpoint = audit_anchor()
    _drop_all_triggers()
    AuditEvent.objects.filter(seq__gt=3).delete()
    AuditHead.objects.filter(id=1).update(**old)  # a signed head saved earlier, put back
    assert audit_verify().ok
    result = audit_verify(checkpoint=checkpoint)
    assert not result.ok and result.first_broken_seq == 4


def test_a_checkpoint_catches_a_replaced_row() -> None:
    _events(3)
    checkpoint = audit_anchor()
    forged = AuditEvent.objects.get(seq=3)
    _drop_all_triggers()
    # a forger with the key rewrites the last row and re-signs: only the checkpoint knows
    forged.row_hash = "f" * 64
    AuditEvent.objects.filter(seq=3).update(row_hash=forged.row_hash)
    result = audit_verify(checkpoint=checkpoint)
    assert not result.ok and result.first_broken_seq == 3


def test_anchor_command_prints_a_checkpoint_that_verify_accepts(tmp_path: Path) -> None:
    _events(3)
    out, err = StringIO(), StringIO()
    call_command("audit", "anchor", stdout=out, stderr=err)
    line = out.getvalue().strip()
    assert line.startswith("LJAUDIT1 seq=3 hash=")
    assert "保存在数据库以外" in err.getvalue()
    # the anchoring itself is an audit event, after the checkpoint's row
    assert AuditEvent.objects.get(seq=4).action == "audit.anchor"
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(f"kept on another machine\n{line}\n", encoding="utf-8")
    for given in (line, str(saved)):
        out = StringIO()
        call_command("audit", "verify", "--checkpoint", given, stdout=out)
        assert out.getvalue().strip() == "OK 4 rows verified; checkpoint seq 3 matches"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda text: text.replace("seq=3", "seq=2"),
        lambda text: text[:-1] + ("0" if text[-1] != "0" else "1"),
        lambda text: re.sub(r"at=\S+", "at=2020-01-01T00:00:00Z", text),
    ],
)
def test_a_forged_checkpoint_is_refused(tamper: object) -> None:
    _events(3)
    text = audit_anchor().text()
    forged = tamper(text)  # type: ignore[operator]
    with pytest.raises(CheckpointError, match="签名无效"):
        parse_checkpoint(forged)
    with pytest.raises(CommandError, match="签名无效"):
        call_command("audit", "verify", "--checkpoint", forged)


def test_unreadable_checkpoints_and_an_empty_chain() -> None:
    with pytest.raises(CheckpointError, match="格式不对"):
        parse_checkpoint("LJAUDIT1 seq=abc")
    with pytest.raises(CommandError, match="找不到检查点文件"):
        call_command("audit", "verify", "--checkpoint", "/nonexistent/checkpoint.txt")
    with pytest.raises(CommandError, match="无需锚定"):
        call_command("audit", "anchor")
