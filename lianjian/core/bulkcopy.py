"""The one COPY writer: many rows into one table with PostgreSQL's `COPY ... FROM STDIN`.

Services (the ledger's unit import) and the benchmark generators write
through it. Rows are sequences of Python values in `columns` order (ids for
foreign keys, dates, booleans, None); psycopg adapts each value as a query
parameter would be. COPY bypasses the ORM: no `save()`, no signals, no
defaults, so the caller supplies every column and keeps what the services
would keep (ancestor ids, audit, member dates, the auth cache: ADR 0004).
Unique and foreign-key constraints still apply and surface as Django's
IntegrityError.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

COPY_VENDOR = "postgresql"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write `rows` into `table` with COPY; returns how many were written (PostgreSQL)."""
    if connection.vendor != COPY_VENDOR:
        raise RuntimeError("COPY needs PostgreSQL")
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    n = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def sequence_reset(table: str, column: str = "id") -> None:
    """Move `table`'s id sequence past the ids a COPY wrote explicitly."""
    qn = connection.ops.quote_name
    # quoted names only; the values are parameters
    highest = f"SELECT max({qn(column)}) FROM {qn(table)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), ({highest}))", [table, column]
        )


def model_defaults(model: type[Model]) -> dict[str, Any]:
    """Each concrete column's value when a row leaves it out, as `Model.save()` fills it."""
    from django.utils import timezone

    now = timezone.now()
    defaults: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:  # the field's default, "" for a string column without one, else None
            defaults[f.attname] = f.get_default()
    return defaults
