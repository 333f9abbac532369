"""Organizer and staff pages: events, attendance, teams, hours to verify, the report.

Rows are fetched through `access` (404 outside scope) and written through
`services`; an `ActivityError` becomes a message or a form error.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, selectors, services
from lianjian.activities.access import JOIN, MANAGE, REPORT
from lianjian.activities.forms import EventForm, TeamForm
from lianjian.activities.models import Event, Volunteer
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import grants_with_perm, require_perm
from lianjian.orgs.access import get_in_scope, party_orgs_visible_to, regions_visible_to
from lianjian.orgs.models import Region

PAGE_SIZE = 30


def _event(request: AuthenticatedRequest, pk: int) -> Event:
    return get_in_scope(
        access.events_managed_by(request.user).select_related("region", "organizer_org"),
        pk,
        user=request.user,
        request=request,
    )


@require_perm(MANAGE)
def events(request: AuthenticatedRequest) -> HttpResponse:
    qs = access.events_managed_by(request.user).select_related("organizer_org", "organizer_team")
    status = request.GET.get("status", "")
    if status in Event.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/events.html",
        {"page": page, "status": status, "statuses": Event.Status.choices},
    )


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def event_create(request: AuthenticatedRequest) -> HttpResponse:
    form = EventForm(
        request.POST or None,
        orgs=party_orgs_visible_to(request.user, MANAGE).filter(is_active=True).order_by("path"),
        teams=access.teams_managed_by(request.user).filter(status="active").order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org, team = data["organizer_org"], data["organizer_team"]
        region = org.region if org is not None else team.region if team is not None else None
        try:
            if region is None:
                raise ActivityError("请选择主办的党组织或志愿服务队", "organizer_org")
            event = services.event_create(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                region=region,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                organizer_org=org,
                organizer_team=team if org is None else None,
                joint_orgs=list(data["joint_orgs"]),
                audience=data["audience"],
                capacity=data["capacity"],
                signup_deadline=data["signup_deadline"],
                place=data["place"],
                description=data["description"],
                publish=data["publish"],
            )
            messages.success(request, "活动已创建")
            return redirect("activities:event", event.pk)
        except ActivityError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
    return render(request, "activities/event_form.html", {"form": form})


@require_perm(MANAGE)
def event_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    url = request.build_absolute_uri(f"/activities/checkin/{event.checkin_token}/")
    opens, closes = services.checkin_window(event)
    return render(
        request,
        "activities/event_detail.html",
        {
            "event": event,
            "rows": selectors.attendance_list(event),
            "organizers": event.organizers.select_related("party_org"),
            "photos": event.photos.all(),
            "held": event.starts_at <= timezone.now()
            and event.status in (Event.Status.PUBLISHED, Event.Status.DONE),
            "qr": segno.make(url, error="m").svg_data_uri(scale=5),
            "checkin_url": url,
            "opens": opens,
            "closes": closes,
        },
    )


@require_POST
@require_perm(MANAGE)
def event_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.event_publish(event, actor=request.user)
            messages.success(request, "活动已发布")
        elif action == "cancel":
            services.event_cancel(event, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "活动已取消，已通知报名者")
        elif action == "close":
            services.event_close(event, actor=request.user, summary=request.POST.get("summary", ""))
            messages.success(request, "活动已结束")
        elif action == "mark":
            volunteer = Volunteer.objects.filter(
                signups__event=event, pk=_int(request.POST.get("volunteer"))
            ).first()
            if volunteer is None:
                raise ActivityError("请选择报名的志愿者", "volunteer")
            services.checkin_by_staff(event, volunteer, actor=request.user)
            messages.success(request, f"已为 {volunteer.name} 补录签到")
        elif action == "scan":
            services.checkin_by_scan(event, request.POST.get("qr_token", ""), actor=request.user)
            messages.success(request, "扫码签到成功")
        else:
            messages.error(request, "未知操作")
    except ActivityError as err:
        messages.error(request, err.message)
    return redirect("activities:event", event.pk)


@require_POST
@require_perm(MANAGE)
def event_report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The organizer's summary and photos after the event (multipart form)."""
    event = _event(request, pk)
    try:
        services.event_report(
            event,
            actor=request.user,
            summary=request.POST.get("summary", ""),
            photos=request.FILES.getlist("photos"),
        )
        messages.success(request, "活动小结和照片已保存")
    except ActivityError as err:
        messages.error(request, err.message)
    return redirect("activities:event", event.pk)


@require_perm(f"{JOIN}|{MANAGE}")
def event_photo(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """A photo of an event, for whoever may see the event (404 otherwise)."""
    found = access.get_event_photo_for_user(request.user, token)
    if found is None:
        raise Http404("照片不存在")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _int(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 12 else 0


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def scan(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The page a member's personal QR opens on an organizer's phone: check them in."""
    volunteer = Volunteer.objects.filter(qr_token=token[:64]).first()
    now = timezone.now()
    live = (
        access.events_managed_by(request.user)
        .filter(
            status=Event.Status.PUBLISHED,
            starts_at__lte=now + services.common.CHECKIN_BEFORE,
            ends_at__gte=now - services.common.CHECKIN_AFTER,
        )
        .order_by("starts_at")[:20]
    )
    if request.method == "POST" and volunteer is not None:
        event = _event(request, _int(request.POST.get("event")))
        try:
            services.checkin_by_scan(event, token, actor=request.user)
            messages.success(request, f"{volunteer.name} 签到成功")
        except ActivityError as err:
            messages.error(request, err.message)
        return redirect("activities:scan", token)
    return render(request, "activities/scan.html", {"volunteer": volunteer, "events": live})


# ---------------------------------------------------------------- teams


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def teams(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    communities = regions_visible_to(request.user, MANAGE).filter(level=Region.Level.COMMUNITY)
    if request.method == "POST" and form.is_valid():
        region = communities.filter(pk=_int(request.POST.get("region"))).first()
        try:
            if region is None:
                raise ActivityError("请选择所属社区", "region")
            team = services.team_create(actor=request.user, region=region, **form.cleaned_data)
            messages.success(request, "志愿服务队已建立")
            return redirect("activities:team", team.pk)
        except ActivityError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
    qs = (
        selectors.teams_visible_to(request.user).select_related("region").order_by("region", "name")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/teams.html",
        {"page": page, "form": form, "communities": communities.order_by("name")[:200]},
    )


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def team_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = get_in_scope(
        access.teams_managed_by(request.user), pk, user=request.user, request=request
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "leave":
                row = team.memberships.filter(pk=_int(request.POST.get("membership"))).first()
                if row is not None:
                    services.team_member_leave(row, actor=request.user)
                    messages.success(request, "已办理退出")
            else:
                volunteer = (
                    access.volunteers_managed_by(request.user)
                    .filter(pk=_int(request.POST.get("volunteer")))
                    .first()
                )
                if volunteer is None:
                    raise ActivityError("未找到该志愿者", "volunteer")
                services.team_member_add(team, volunteer, actor=request.user)
                messages.success(request, f"{volunteer.name} 已加入")
        except ActivityError as err:
            messages.error(request, err.message)
        return redirect("activities:team", team.pk)
    members = selectors.team_members(team)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    candidates = (
        access.volunteers_managed_by(request.user)
        .filter(withdrawn_at__isnull=True, community_id=team.community_id)
        .exclude(memberships__team=team, memberships__left_on__isnull=True)
        .order_by("name")[:100]
    )
    return render(
        request,
        "activities/team_detail.html",
        {"team": team, "page": page, "candidates": candidates},
    )


# ---------------------------------------------------------------- hours and report


def verify_posted(request: AuthenticatedRequest) -> None:
    """Verify or reject the posted record: fetched through the one verification rule (404
    outside it), decided by `services.hours_verify`."""
    record = get_in_scope(
        selectors.hours_to_verify(request.user), _int(request.POST.get("record")), user=request.user
    )
    try:
        services.hours_verify(
            record,
            actor=request.user,
            approve=request.POST.get("action") == "verify",
            reason=request.POST.get("reason", ""),
            hours=request.POST.get("hours") or None,
        )
        messages.success(request, "已审核")
    except ActivityError as err:
        messages.error(request, err.message)


def ensure_verifier(request: AuthenticatedRequest) -> None:
    """Organizers and team leaders have a queue; any other member is refused (403)."""
    if not access.verifies_hours(request.user):
        raise PermissionDenied("您不是组织者或志愿服务队队长")


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def hours_queue(request: AuthenticatedRequest) -> HttpResponse:
    ensure_verifier(request)
    if request.method == "POST":
        verify_posted(request)
        return redirect("activities:hours_queue")
    qs = selectors.hours_to_verify(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/hours_queue.html",
        {
            "page": page,
            "led": access.teams_led_by(request.user).order_by("name"),
            "organizer": bool(grants_with_perm(request.user, MANAGE)),
        },
    )


@require_perm(REPORT)
def report(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.community_report(request.user)
    return render(
        request,
        "activities/report.html",
        {
            "rows": rows,
            "teams": sum(r["teams"] for r in rows),
            "volunteers": sum(r["volunteers"] for r in rows),
            "joint_days": selectors.joint_party_days(request.user).count(),
        },
    )
