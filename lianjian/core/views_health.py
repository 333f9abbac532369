"""The system health page: is the task worker alive, what waits in the queue, did the tick run."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.core.health import health_report
from lianjian.core.permissions import require_perm


@require_perm("core.view_health")
def health_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/health.html", {"report": health_report()})
