"""An index that covers extra columns on PostgreSQL and is a plain index elsewhere."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db import models


class CoveringIndex(models.Index):
    """`INCLUDE (covering...)` on PostgreSQL; the same key columns without it on SQLite.

    Django's own `Index(include=...)` creates the same thing but makes every
    `migrate` on SQLite warn models.W040 (SQLite has no covering indexes). The
    extra columns live in `covering`, which only PostgreSQL's DDL reads.
    """

    def __init__(self, *args: Any, covering: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if covering and not self.name:
            raise ValueError("A covering index must be named.")
        self.covering = tuple(covering)

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        kwargs["covering"] = self.covering
        return path, args, kwargs

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        index: models.Index = self
        if self.covering and schema_editor.connection.features.supports_covering_indexes:
            index = copy.copy(self)
            index.include = self.covering
        return models.Index.create_sql(index, model, schema_editor, using=using, **kwargs)
