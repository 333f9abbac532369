"""Background work for surveys: the hourly tick (closing, reminders, quarterly evaluations)."""

from __future__ import annotations

from django_tasks import task

from lianjian.core.audit import system_actor


@task()
def surveys_tick_task() -> dict[str, int]:
    """Hourly from `lianjian start` (the `core.periodic` extension in registry.py)."""
    from lianjian.surveys.services import surveys_tick

    with system_actor("surveys.tick"):
        return surveys_tick()
