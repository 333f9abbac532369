"""Background tasks of the core (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def retention_task() -> dict[str, Any]:
    """The daily retention run (S17): what `lianjian retention` does, on the worker."""
    from lianjian.core.retention import retention_run

    return retention_run().as_detail()
