"""Background work of points: the daily expiry run."""

from __future__ import annotations

from django_tasks import task

from lianjian.core.audit import system_actor
from lianjian.points import services


@task()
def points_expire_task() -> int:
    """Daily from `lianjian start` (the `core.periodic` extension in registry.py)."""
    with system_actor("points.expiry"):
        return services.expire_all()
