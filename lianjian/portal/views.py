from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from lianjian.core.permissions import require_login, user_has_any_perm, user_has_perm
from lianjian.core.registry import home_cards, nav_entries
from lianjian.needs.calendar.selectors import calendar_gaps
from lianjian.portal.selectors import (
    chart_options,
    dashboard_summary,
    needs_chart_options,
    needs_summary,
)


def _phone_home(user: Any) -> dict[str, Any]:
    """The phone home of members and other non-staff users: every app's phone cards
    (`HomeCard` with surface phone/both) and phone menu tiles, in their scope."""
    cards = []
    for card in home_cards():
        if card.surface == "desk" or not user_has_any_perm(user, card.perm):
            continue
        value = card.compute(user)
        if value is not None:
            cards.append({"label": card.label, "value": value})
    tiles = [
        {"label": e.label, "url": reverse(e.url_name)}
        for e in nav_entries()
        if e.surface != "desk" and user_has_any_perm(user, e.perm)
    ]
    return {"cards": cards, "tiles": tiles}


@require_login
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: scoped counts and charts for staff, a short page for others."""
    if not user_has_perm(request.user, "dashboard.view"):
        return render(request, "portal/self.html", _phone_home(request.user))
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
