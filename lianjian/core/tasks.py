"""Background tasks of the core (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def retention_task() -> dict[str, Any]:
    """The daily retention run (S17): what `lianjian retention` does, on the worker."""
    from lianjian.core.retention import retention_run

    return retention_run().as_detail()


@task()
def deliver_task(delivery_id: int) -> str:
    """Send one SMS or e-mail of the delivery log; a failure schedules its retry."""
    from lianjian.core.notifications import deliver

    return deliver(delivery_id)
