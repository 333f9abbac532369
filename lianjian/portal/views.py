from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.core.permissions import require_login, user_has_perm
from lianjian.needs.calendar.selectors import calendar_gaps
from lianjian.portal.selectors import (
    chart_options,
    dashboard_summary,
    needs_chart_options,
    needs_summary,
)


@require_login
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: scoped counts and charts for staff, a short page for others."""
    if not user_has_perm(request.user, "dashboard.view"):
        return render(request, "portal/self.html")
    summary = dashboard_summary(request.user)
    charts = chart_options(summary)
    needs = needs_summary(request.user)
    if needs:
        charts["needs"] = needs_chart_options(needs)
    return render(
        request,
        "portal/home.html",
        {
            "summary": summary,
            "charts": charts,
            "needs": needs,
            "calendar_gaps": calendar_gaps(request.user),  # needs' calendar warning
        },
    )
