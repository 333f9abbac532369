"""Background work for needs: deadline reminders and escalation (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from lianjian.core.heartbeat import record_run, register_schedule
from lianjian.needs.services import needs_tick

NEEDS_TICK = "needs_tick"
# `lianjian start` queues it every five minutes; production from cron as often
register_schedule(NEEDS_TICK, "需求提醒、逾期升级与自动办结", every_seconds=300)


def needs_tick_recorded() -> dict[str, int]:
    """Run the tick and keep its run (start, end, outcome) for the health page."""
    with record_run(NEEDS_TICK) as run:
        counts = needs_tick()
        run.summary = (
            f"提醒 {counts['reminded']} 件，升级 {counts['escalated']} 件，"
            f"自动办结 {counts['closed']} 件"
        )
    return counts


@task()
def needs_tick_task() -> dict[str, int]:
    """Run by a scheduler (cron calling `lianjian needs_tick --enqueue`) every few minutes."""
    return needs_tick_recorded()
