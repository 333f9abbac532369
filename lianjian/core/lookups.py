"""`field__any=[...]`: membership in a list sent as one array parameter.

`field__in` with thousands of ids sends one parameter per id: Django prepares
each, and psycopg splits a query text with thousands of placeholders; on the
as-of statistics that was a sixth of the time. On PostgreSQL `= ANY(%s)`
sends the list as one array; elsewhere the lookup is `IN (...)`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignKey, Lookup


class AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        values = [self.lhs.output_field.get_prep_value(v) for v in self.rhs]
        return [v for v in values if v is not None]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
