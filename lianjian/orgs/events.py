"""Domain events orgs publishes (`lianjian.core.events.publish`).

- `orgs.places_bulk_written` (`model`: the label, e.g. `"orgs.unit"`; `count`):
  units, Party organizations or regions were created or updated in bulk
  (`bulk_create`, `bulk_update`, COPY), which sends no `post_save`. Grants read
  these rows (a unit's region, an organization's path), so accounts subscribes
  and invalidates its cache of who a request is (ADR 0004). Published inside
  the writing transaction, after the write.
"""

from __future__ import annotations

from lianjian.core.events import publish

PLACES_BULK_WRITTEN = "orgs.places_bulk_written"


def places_bulk_written(model: str, count: int) -> None:
    publish(PLACES_BULK_WRITTEN, model=model, count=count)
