"""Background work of alliances (django-tasks): the daily tick.

Overdue tasks escalate once to their body's staff; bodies that have not met in
a period ending within 15 days warn their staff once per period; agreements
ending within 60 days remind the community once. Queued once a day by
`lianjian start` (the `core.periodic` extension in `registry.py`), or from cron
(`lianjian alliances_tick --enqueue`); each step is idempotent.
"""

from __future__ import annotations

from django_tasks import task

from lianjian.alliances.services.tasks import alliances_tick


@task()
def alliances_tick_task() -> dict[str, int]:
    return alliances_tick()
