"""Background work for activities: the day-before duty reminders."""

from __future__ import annotations

from django_tasks import task

from lianjian.activities.services.rosters import shifts_remind


@task()
def activities_reminders_task() -> int:
    """Hourly from `lianjian start` (the `core.periodic` extension in registry.py)."""
    return shifts_remind()
