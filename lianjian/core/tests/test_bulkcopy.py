"""The one COPY writer: values arrive as given (text escapes, NULLs, dates), constraints hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection

from lianjian.core.bulkcopy import copy_rows, model_defaults, sequence_reset

pytestmark = pytest.mark.django_db


def test_copy_refuses_other_databases() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL runs the real COPY below")
    with pytest.raises(RuntimeError):
        copy_rows("orgs_unit", ["name"], [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_values_as_given_and_keeps_constraints(tree: Any) -> None:
    from lianjian.orgs.models import Unit

    fields = [f for f in Unit._meta.concrete_fields if not f.primary_key]
    defaults = model_defaults(Unit)

    def row(**values: Any) -> list[Any]:
        data = {**defaults, "region_id": tree.community_a1.pk, **values}
        return [data[f.attname] for f in fields]

    odd = "制表\t换行\n反斜杠\\结尾"
    rows = [
        row(name=odd, kind="private_enterprise", registered_on=dt.date(2020, 2, 29)),
        row(name="无日期", kind="private_enterprise", credit_code=None),
    ]
    assert copy_rows(Unit._meta.db_table, [f.column for f in fields], rows) == 2
    written = Unit.objects.get(name=odd)
    assert written.registered_on == dt.date(2020, 2, 29) and written.is_active
    sequence_reset(Unit._meta.db_table)
    assert Unit.objects.create(name="之后", kind="private_enterprise", region=tree.community_a1).pk
    with pytest.raises(IntegrityError):
        copy_rows(Unit._meta.db_table, ["name", "kind"], [["缺区域", "private_enterprise"]])
