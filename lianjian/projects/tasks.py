"""Background work for projects: overdue reminders, escalation, expiry (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from lianjian.core.heartbeat import record_run
from lianjian.projects.services_delivery import projects_tick

# Daily is enough (a reminder goes once a day); cron runs `lianjian projects_tick --enqueue`.
# Not yet declared with `register_schedule`: the health page would then call the tick
# overdue on every installation until cron is set up (and `lianjian start` queues only
# the needs tick); its runs are recorded all the same.
PROJECTS_TICK = "projects_tick"


def projects_tick_recorded() -> dict[str, int]:
    """Run the tick and keep its run (start, end, outcome) for the health page."""
    with record_run(PROJECTS_TICK) as run:
        counts = projects_tick()
        run.summary = (
            f"提醒 {counts['reminded']} 项，升级 {counts['escalated']} 项，"
            f"过期 {counts['expired']} 项"
        )
    return counts


@task()
def projects_tick_task() -> dict[str, int]:
    """Queued daily by a scheduler (cron calling `lianjian projects_tick --enqueue`)."""
    return projects_tick_recorded()
