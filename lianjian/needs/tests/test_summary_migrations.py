"""The summary migrations' backfills rebuild, from history alone, the rows the services keep.

Each backfill runs against its own historical models (as `migrate` runs it),
so a backfill that writes or reads a column added by a later migration fails
here. The schema stays as it is: the tables are emptied and refilled.
"""

from __future__ import annotations

import importlib
from typing import Any

import time_machine
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from lianjian.needs import services as S
from lianjian.needs.tests.test_stats import _scenario, at

BACKFILLS = ("0002_need_summary", "0004_need_tally", "0006_summary_last_event_at")


def _latest_counted() -> dict[int, Any]:
    """The latest counted event of each need, straight from the events."""
    from lianjian.needs.models import NeedEvent
    from lianjian.needs.summary import COUNTED_ACTIONS

    latest: dict[int, Any] = {}
    rows = NeedEvent.objects.filter(action__in=COUNTED_ACTIONS).values_list("need_id", "at")
    for need_id, when in rows:
        latest[need_id] = max(when, latest.get(need_id, when))
    return latest


def _tallies() -> list[tuple[Any, ...]]:
    """Tally rows without their ids, leaving out rows transitions emptied (all zero)."""
    from lianjian.needs.models import NeedTally
    from lianjian.needs.summary import TALLY_FIGURES

    return sorted(
        r
        for r in NeedTally.objects.exclude(**dict.fromkeys(TALLY_FIGURES, 0)).values_list(
            *(f.name for f in NeedTally._meta.concrete_fields if f.name != "id")
        )
    )


def test_backfills_rebuild_summaries_tallies_and_last_event(
    world: Any, personas: Any, submit: Any, tree: Any
) -> None:
    from lianjian.needs.models import NeedSummary, NeedTally

    needs = _scenario(world, personas, submit, tree)
    with time_machine.travel(at(14), tick=False):
        S.need_accept(needs["open"].pk, actor=personas.dept_handler)
    with time_machine.travel(at(20)):
        S.needs_tick()  # escalates `open`: an event that does not move the summary
    summaries = list(NeedSummary.objects.order_by("pk").values())
    tallies = _tallies()
    latest = {row["need_id"]: row["last_event_at"] for row in summaries}
    assert latest == _latest_counted() and len(set(latest.values())) > 2
    escalated = needs["open"].events.get(action="escalate")
    assert latest[needs["open"].pk] == at(14) < escalated.at

    NeedSummary.objects.all().delete()
    NeedTally.objects.all().delete()
    loader = MigrationLoader(connection)
    for name in BACKFILLS:
        migration = importlib.import_module(f"lianjian.needs.migrations.{name}")
        migration.backfill(loader.project_state(("needs", name)).apps, None)

    assert list(NeedSummary.objects.order_by("pk").values()) == summaries
    assert _tallies() == tallies
