"""`{% worker_missing as missing %}`: a queued job's page says when no worker will pick it up."""

from __future__ import annotations

from django import template

from lianjian.core.health import tasks_use_worker
from lianjian.core.heartbeat import alive_workers

register = template.Library()


@register.simple_tag
def worker_missing() -> bool:
    """True when tasks wait for a worker and none is alive."""
    return tasks_use_worker() and not alive_workers()
