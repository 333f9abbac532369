"""Backups read committed data: those tests run outside the test transaction."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from django.db import connection


@pytest.fixture
def committed_db(transactional_db: None) -> Iterator[None]:
    """`transactional_db`, whose flush can empty the append-only audit tables on SQLite.

    The flush DELETEs every table, which the audit triggers refuse; the triggers
    are set aside for the clean-up only (PostgreSQL's TRUNCATE is allowed to the
    suite's sessions, see the root conftest).
    """
    yield
    if connection.vendor != "sqlite":
        return
    names = [
        "core_auditevent_no_update",
        "core_auditevent_no_delete",
        "core_audithead_no_delete",
        "core_audithead_forward_only",
    ]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DELETE FROM core_auditevent")
        cursor.execute("DELETE FROM core_audithead")
        for module in ("0002_audit_append_only", "0005_audit_head_signed_and_truncate_guard"):
            for sql in import_module(f"lianjian.core.migrations.{module}").SQLITE_UP:
                cursor.execute(sql)
