from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.masking import mask
from lianjian.core.permissions import public, require_login, require_perm, user_has_perm
from lianjian.needs.calendar.selectors import calendar_gaps
from lianjian.needs.selectors import needs_submitted_by
from lianjian.orgs.selectors import member_record_of
from lianjian.portal import screen as screen_figures
from lianjian.portal.selectors import (
    cards_for,
    chart_options,
    dashboard_summary,
    needs_chart_options,
    needs_summary,
    phone_tiles,
)


@require_login
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role's home: its to-dos and KPI cards; a phone home for members and residents."""
    if not user_has_perm(request.user, "dashboard.view"):
        return phone_home(request)
    ctx: dict[str, object] = {
        "cards": cards_for(request.user, "desk"),
        "calendar_gaps": calendar_gaps(request.user),  # needs' calendar warning
    }
    charts: dict[str, object] = {}
    # registry figures and charts for those who work on the registries; an audit,
    # security or department account lands on its own work, not on business charts
    if user_has_perm(request.user, "orgs.view_unit"):
        summary = dashboard_summary(request.user)
        ctx["summary"] = summary
        charts.update(chart_options(summary))
    needs = needs_summary(request.user)
    if needs and needs["total"]:
        charts["needs"] = needs_chart_options(needs)
    ctx["charts"] = charts
    return render(request, "portal/home.html", ctx)


def phone_home(request: AuthenticatedRequest) -> HttpResponse:
    """Members, merchants and recruiters: what the platform offers them now, phone first."""
    member = member_record_of(request.user)
    return render(
        request,
        "portal/phone_home.html",
        {
            "cards": cards_for(request.user, "phone"),
            "tiles": phone_tiles(request.user),
            "member": member,
            "member_mobile": mask(member.mobile, "mobile") if member else "",
            "my_needs": needs_submitted_by(request.user),
        },
    )


@public
def favicon(request: HttpRequest) -> HttpResponse:
    response = redirect(static("core/favicon.svg"), permanent=True)
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_perm("screen.view")
def screen(request: AuthenticatedRequest) -> HttpResponse:
    """The wall display (1920×1080, dark); its figures come from `screen_data` every minute."""
    data = screen_figures.screen_data(request.user)
    if data is None:
        raise Http404("没有可统计的区域")
    # ?refresh=N (2-600 s) for a wall that wants another pace; default once a minute
    raw = request.GET.get("refresh", "")
    refresh = min(max(int(raw), 2), 600) if raw.isdigit() else 60
    return render(request, "portal/screen.html", {"data": data, "refresh": refresh})


@require_perm("screen.view")
def screen_data(request: AuthenticatedRequest) -> JsonResponse:
    data = screen_figures.screen_data(request.user)
    if data is None:
        raise Http404("没有可统计的区域")
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response
