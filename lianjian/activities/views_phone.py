"""Member pages on a phone (375 px): upcoming events, sign-up, check-in, my QR, my hours.

Thin views: reads from `selectors`/`access`, writes through `services`; an
`ActivityError` becomes a message and nothing is written.
"""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, selectors, services
from lianjian.activities.access import JOIN
from lianjian.activities.forms import HoursLogForm, JoinForm
from lianjian.activities.models import Event, Volunteer
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs.access import get_in_scope

SIGNUP_RATE = (30, 3600)


def _forget(request: AuthenticatedRequest) -> None:
    request.user.__dict__.pop("_activities_volunteer", None)


def _volunteer_or_redirect(request: AuthenticatedRequest) -> Volunteer | None:
    volunteer = access.volunteer_of(request.user)
    if volunteer is None or volunteer.withdrawn_at is not None:
        messages.info(request, "请先加入志愿服务（同意个人信息使用说明）")
        return None
    return volunteer


@require_perm(JOIN)
def phone_home(request: AuthenticatedRequest) -> HttpResponse:
    volunteer = access.volunteer_of(request.user)
    events = list(selectors.upcoming_events(request.user).select_related("region")[:20])
    status = selectors.my_signup_status(request.user, [e.pk for e in events])
    member = access.member_of(request.user)
    join_form = JoinForm(
        initial={"name": member.name if member else getattr(request.user, "display_name", "")}
    )
    return render(
        request,
        "activities/phone_home.html",
        {
            "volunteer": volunteer,
            "events": [(e, status.get(e.pk, "")) for e in events],
            "year_total": selectors.year_total(request.user),
            "join_form": join_form,
            "leads": access.teams_led_by(request.user).exists(),
        },
    )


@require_POST
@require_perm(JOIN)
def join(request: AuthenticatedRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    region = access.home_region(request.user)
    if not form.is_valid() or region is None:
        messages.error(request, "请填写姓名并同意个人信息使用说明")
        return redirect("activities:phone_home")
    services.volunteer_join(
        user=request.user,
        region=region,
        name=form.cleaned_data["name"],
        member=access.member_of(request.user),
        skills=form.cleaned_data["skills"],
        consent=True,
        request=request,
    )
    _forget(request)
    messages.success(request, "已加入志愿服务，欢迎您！")
    return redirect("activities:phone_home")


@require_POST
@require_perm(JOIN)
def withdraw(request: AuthenticatedRequest) -> HttpResponse:
    volunteer = access.volunteer_of(request.user)
    if volunteer is not None:
        n = services.volunteer_withdraw(volunteer, actor=request.user, request=request)
        messages.success(request, f"已撤回同意，取消了 {n} 个未开始活动的报名")
    _forget(request)
    return redirect("activities:phone_home")


@require_perm(JOIN)
def event_phone(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = get_in_scope(
        access.events_open_to(request.user).select_related("region"),
        pk,
        user=request.user,
        request=request,
    )
    signup = (
        access.signups_of(request.user)
        .filter(event=event, status__in=["confirmed", "waiting"])
        .first()
    )
    volunteer = access.volunteer_of(request.user)
    attended = volunteer is not None and event.attendance.filter(volunteer=volunteer).exists()
    return render(
        request,
        "activities/phone_event.html",
        {"event": event, "signup": signup, "attended": attended,
         "volunteer": access.volunteer_of(request.user),
         "photos": event.photos.all() if event.status == Event.Status.DONE else []},
    )  # fmt: skip


@require_POST
@require_perm(JOIN)
def signup(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    limited = rate_limited(
        request, "activities.signup", limit=SIGNUP_RATE[0], window=SIGNUP_RATE[1]
    )
    if limited is not None:
        return limited
    event = get_in_scope(
        access.events_open_to(request.user), pk, user=request.user, request=request
    )
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("activities:phone_home")
    try:
        row = services.signup_create(event, volunteer, actor=request.user)
        if row.status == "confirmed":
            messages.success(request, "报名成功，已为您保留名额")
        else:
            messages.info(request, "名额已满，您已进入候补，有人取消时将自动递补并通知您")
    except ActivityError as err:
        messages.error(request, err.message)
    return redirect("activities:event_phone", event.pk)


@require_POST
@require_perm(JOIN)
def signup_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = get_in_scope(
        access.events_open_to(request.user), pk, user=request.user, request=request
    )
    row = (
        access.signups_of(request.user)
        .filter(event=event, status__in=["confirmed", "waiting"])
        .first()
    )
    if row is not None:
        try:
            services.signup_cancel(row, actor=request.user)
            messages.success(request, "已取消报名")
        except ActivityError as err:
            messages.error(request, err.message)
    return redirect("activities:event_phone", event.pk)


@never_cache
@require_perm(JOIN)
@require_http_methods(["GET", "POST"])
def checkin(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The page the event's QR code opens on a signed-in member's phone."""
    event = Event.objects.filter(checkin_token=token[:64]).first()
    if event is None:
        raise Http404("签到码无效，请重新扫码")
    volunteer = access.volunteer_of(request.user)
    done = volunteer is not None and event.attendance.filter(volunteer=volunteer).exists()
    if request.method == "POST" and not done:
        volunteer = _volunteer_or_redirect(request)
        if volunteer is None:
            return redirect("activities:phone_home")
        try:
            services.checkin_by_token(token, volunteer, actor=request.user)
            messages.success(request, "签到成功")
            return redirect("activities:checkin", token)
        except ActivityError as err:
            messages.error(request, err.message)
    opens, closes = services.checkin_window(event)
    return render(
        request,
        "activities/phone_checkin.html",
        {"event": event, "done": done, "opens": opens, "closes": closes, "token": token},
    )


@never_cache
@require_perm(JOIN)
def my_qr(request: AuthenticatedRequest) -> HttpResponse:
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("activities:phone_home")
    url = request.build_absolute_uri(f"/activities/scan/{volunteer.qr_token}/")
    qr = segno.make(url, error="m").svg_data_uri(scale=6)
    return render(request, "activities/phone_qr.html", {"volunteer": volunteer, "qr": qr})


@require_perm(JOIN)
def my_hours(request: AuthenticatedRequest) -> HttpResponse:
    records = access.hours_of(request.user).select_related("event")[:100]
    return render(
        request,
        "activities/phone_hours.html",
        {"records": records, "totals": selectors.my_totals(request.user)},
    )


@require_perm(JOIN)
@require_http_methods(["GET", "POST"])
def team_hours(request: AuthenticatedRequest) -> HttpResponse:
    """A team leader verifies the hours of their team's members on a phone."""
    from lianjian.activities.views import ensure_verifier, verify_posted

    ensure_verifier(request)
    if request.method == "POST":
        verify_posted(request)
        return redirect("activities:team_hours")
    records = selectors.hours_to_verify(request.user)[:50]
    return render(
        request,
        "activities/phone_team_hours.html",
        {"records": records, "led": access.teams_led_by(request.user).order_by("name")},
    )


@require_perm(JOIN)
@require_http_methods(["GET", "POST"])
def log_hours(request: AuthenticatedRequest) -> HttpResponse:
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("activities:phone_home")
    form = HoursLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_log(
                volunteer,
                on=form.cleaned_data["on"],
                hours=form.cleaned_data["hours"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
            messages.success(request, "已提交，等待组织者审核")
            return redirect("activities:my_hours")
        except ActivityError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
    return render(request, "activities/phone_log.html", {"form": form})


@never_cache
@require_perm(JOIN)
def my_ics(request: AuthenticatedRequest) -> HttpResponse:
    """The member's sign-ups as an .ics file for the phone's calendar."""
    from lianjian.activities.calendar import ics_for

    response = HttpResponse(
        ics_for(request.user, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-activities.ics"'
    return response


@require_perm(f"{JOIN}|activities.manage")
def month(request: AuthenticatedRequest) -> HttpResponse:
    from lianjian.activities.calendar import month_bounds, month_grid

    first, nxt = month_bounds(request.GET.get("month", "")[:7])
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "activities/calendar.html",
        {
            "weeks": month_grid(request.user, first, nxt),
            "first": first,
            "prev": f"{prev:%Y-%m}",
            "next": f"{nxt:%Y-%m}",
        },
    )
