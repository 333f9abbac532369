"""Statements compiled once and run many times with one date changed.

Building and compiling an ORM query costs a few milliseconds of Python; for the
statistics of a street that is as much as PostgreSQL takes to answer (P3: no
more than 2x the same SQL by hand). A statistic compiles its statement once per
process and scope with a stand-in date, and each run swaps the real date into
the parameters.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Field

Statement = tuple[str, tuple[Any, ...]]


def with_value(
    statement: Statement, field: Field[Any, Any], stand_in: Any, value: Any
) -> Statement:
    """`statement` with every parameter that is `stand_in`, as `field` sends it to the
    database, replaced by `value` sent the same way."""
    sql, params = statement
    was = field.get_db_prep_value(stand_in, connection)
    now = field.get_db_prep_value(value, connection)
    return sql, tuple(now if p == was else p for p in params)


def fetch_dicts(statement: Statement) -> list[dict[str, Any]]:
    """Run `statement`; its rows as dicts keyed by column name."""
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
