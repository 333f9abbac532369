from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.accounts.permissions import require_login, user_has_perm
from lianjian.dashboard.selectors import chart_options, dashboard_summary


@require_login
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: scoped counts and charts for staff, a short page for others."""
    if not user_has_perm(request.user, "dashboard.view"):
        return render(request, "dashboard/self.html")
    summary = dashboard_summary(request.user)
    return render(
        request,
        "dashboard/home.html",
        {"summary": summary, "charts": chart_options(summary)},
    )
