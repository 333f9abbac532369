"""P1 plan regression: every big scoped list is answered through an `(ancestor, id)` index.

The scope chokepoint filters on denormalized ancestor ids (district, street,
community, or a department for needs) rather than a tree path `LIKE`, which
measured 40x slower at city scale. This test asks the database itself how it
would run the first page of each big list for each scoped persona, and fails
when the plan stops using an index led by that persona's scope column — for
example when a selector filters through a join or a path prefix instead.

The test data is tiny, so a real planner would rightly prefer a sequential
scan; PostgreSQL is told not to (`enable_seqscan = off`), which still lets it
choose any index, and SQLite's `EXPLAIN QUERY PLAN` names the index it
searches. The benchmark (`bench/`) checks the plans on full-size data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from lianjian.needs.selectors import needs_filtered
from lianjian.orgs.selectors import members_filtered, party_orgs_filtered, units_filtered
from lianjian.visits.selectors import visits_filtered

LISTS: dict[str, Callable[[Any, dict[str, str]], QuerySet[Any]]] = {
    "units": units_filtered,
    "party_orgs": party_orgs_filtered,
    "members": members_filtered,
    "needs": needs_filtered,
    "visits": visits_filtered,
}
SCOPES = [
    ("district_admin", "district_id"),
    ("street_staff", "street_id"),
    ("secretary_a1", "community_id"),
]


def _first_page(qs: QuerySet[Any]) -> QuerySet[Any]:
    """What a list page or the API asks for first: newest 20 rows (ids, as the lists do)."""
    return qs.order_by("-id").values("pk")[:20]


def _plan(qs: QuerySet[Any]) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _indexes_led_by(table: str, column: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] and info["columns"][0] == column
    }


@pytest.mark.parametrize("kind", sorted(LISTS))
@pytest.mark.parametrize(("persona", "column"), SCOPES)
def test_first_page_uses_the_scope_index(
    personas: Any, kind: str, persona: str, column: str
) -> None:
    qs = _first_page(LISTS[kind](getattr(personas, persona), {}))
    table = qs.model._meta.db_table
    sql = str(qs.query)
    assert "LIKE" not in sql.upper(), sql  # never a tree-path prefix
    assert f'"{table}"."{column}"' in sql, sql
    led = _indexes_led_by(table, column)
    assert led, f"{table} has no index led by {column}"
    plan = _plan(qs)
    used = set(
        re.findall(
            r"\b(?:INDEX|Index Scan(?: Backward)? using|Index Only Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)",
            plan,
        )
    )
    assert used & led, (
        f"{kind} for {persona}: plan uses {used or 'no index'}, expected one of {led}\n{plan}"
    )
