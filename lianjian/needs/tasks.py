"""Background work for needs: deadline reminders and escalation (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from lianjian.needs.services import needs_tick


@task()
def needs_tick_task() -> dict[str, int]:
    """Run by a scheduler (cron calling `lianjian needs_tick --enqueue`) every few minutes."""
    return needs_tick()
