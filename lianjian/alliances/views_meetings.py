"""Meeting pages: scheduling, the meeting sheet, attendance and votes, the QR check-in,
and a unit admin's phone home.

Proposals, resolutions and their tasks are in `views_proposals`.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, forms
from lianjian.alliances.models import Meeting, Task, Vote
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import AllianceError
from lianjian.alliances.views import ACT, MANAGE, VIEW, show_error
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.models import Unit

# ---------------------------------------------------------------- meetings


@never_cache
@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def meeting_create(request: AuthenticatedRequest, body_id: int) -> HttpResponse:
    body = access.get_body_for_user(request.user, body_id, MANAGE, request=request)
    form = forms.MeetingForm(request.POST or None, initial={"title": f"{body.name}会议"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_services.meeting_schedule(
                body,
                title=data["title"],
                scheduled_at=data["scheduled_at"],
                place=data["place"],
                period_start=data["period_start"],
                agenda=data["agenda"].splitlines(),
                actor=request.user,
                request=request,
            )
        except AllianceError as err:
            show_error(form, err)
        else:
            messages.success(request, "已安排会议，并通知成员单位")
            return redirect("alliances:meeting_detail", meeting.pk)
    return render(request, "alliances/form.html", {"form": form, "title": f"安排会议：{body.name}"})


def _meeting_context(request: AuthenticatedRequest, meeting: Meeting) -> dict[str, Any]:
    body = meeting.body
    day = meeting.held_on or timezone.localdate()
    member_ids = body_member_unit_ids(body, day)
    present = {a.unit_id: a for a in meeting.attendance.all()}
    units = list(Unit.objects.filter(pk__in=member_ids).order_by("name").values_list("pk", "name"))
    proposals = list(meeting.proposals.select_related("unit").order_by("pk"))
    votes: dict[int, dict[int, str]] = {}
    for v in Vote.objects.filter(meeting=meeting).values_list("proposal_id", "unit_id", "choice"):
        votes.setdefault(v[0], {})[v[1]] = v[2]
    tallies = {p.pk: proposal_services.vote_tally(p) for p in proposals if p.status == "discussed"}
    checkin_url = request.build_absolute_uri(
        reverse("alliances:checkin", args=[meeting.checkin_token])
    )
    can_manage = access.may_manage(request.user, meeting)
    waiting = (
        access.proposals_visible_to(request.user, MANAGE)
        .filter(body=body, status__in=["accepted", "deferred"])
        .order_by("pk")
        if can_manage and meeting.status == Meeting.Status.SCHEDULED
        else []
    )
    my_units = set(access.acting_unit_ids(request.user, ACT).values_list("pk", flat=True))
    return {
        "meeting": meeting,
        "body": body,
        "agenda": meeting.agenda.all(),
        "units": [(pk, name, present.get(pk)) for pk, name in units],
        "present_count": len(present),
        "member_count": len(member_ids),
        "proposals": [(p, votes.get(p.pk, {}), tallies.get(p.pk)) for p in proposals],
        "choices": Vote.Choice.choices,
        "can_manage": can_manage,
        "waiting": waiting,
        "my_units": [(pk, name) for pk, name in units if pk in my_units],
        "attachments": meeting.attachments.all(),
        "qr": segno.make(checkin_url, error="m").svg_data_uri(scale=5) if can_manage else "",
        "checkin_url": checkin_url,
    }


@require_perm(VIEW)
def meeting_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for_user(request.user, pk, request=request)
    return render(request, "alliances/meeting_detail.html", _meeting_context(request, meeting))


@require_perm(VIEW)
def meeting_print(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for_user(request.user, pk, request=request)
    context = _meeting_context(request, meeting)
    context["qr"] = ""
    return render(request, "alliances/meeting_print.html", context)


def _unit(request: AuthenticatedRequest, meeting: Meeting, manage: bool) -> Unit:
    raw = request.POST.get("unit", "")
    pk = int(raw) if raw.isdigit() and len(raw) < 19 else 0
    if manage:
        allowed = body_member_unit_ids(meeting.body, meeting.held_on or timezone.localdate())
        if pk not in allowed:
            raise AllianceError("该单位不是本会议的成员单位", "unit")
    elif not access.can_act_for(request.user, pk, ACT):
        raise AllianceError("您不能代表该单位操作", "unit")
    return Unit.objects.get(pk=pk)


@require_perm(MANAGE)
@require_POST
def meeting_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for_user(request.user, pk, MANAGE, request=request)
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "hold":
            meeting_services.meeting_hold(meeting, actor=user, request=request)
            messages.success(request, "已标记为已召开，议程中的议案进入审议")
        elif action == "cancel":
            meeting_services.meeting_cancel(
                meeting, reason=request.POST.get("reason", ""), actor=user
            )
            messages.success(request, "已取消会议")
        elif action == "attend":
            meeting_services.attendance_mark(
                meeting, unit=_unit(request, meeting, True), actor=user, request=request
            )
            messages.success(request, "已登记到会")
        elif action == "minutes":
            meeting_services.minutes_save(
                meeting,
                minutes=request.POST.get("minutes", ""),
                files=request.FILES.getlist("files"),
                actor=user,
                request=request,
            )
            messages.success(request, "已保存会议纪要")
        elif action == "approve":
            meeting_services.minutes_approve(meeting, actor=user, request=request)
            messages.success(request, "纪要已审定")
        elif action == "agenda":
            meeting_services.agenda_add(meeting, title=request.POST.get("title", ""), actor=user)
            messages.success(request, "已增加议题")
        elif action == "put":
            proposal = access.get_proposal_for_user(user, request.POST.get("proposal"), MANAGE)
            proposal_services.proposal_put_on_agenda(proposal, meeting=meeting, actor=user)
            messages.success(request, f"已将“{proposal.title}”列入议程")
        else:
            raise AllianceError("未知操作", "action")
    except AllianceError as err:
        messages.error(request, err.message)
    except Http404:
        messages.error(request, "未找到该议案，或您无权操作")
    return redirect("alliances:meeting_detail", meeting.pk)


@require_perm(VIEW)
@require_POST
def meeting_vote(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A vote recorded by staff for a unit, or cast by a unit's representative."""
    meeting = access.get_meeting_for_user(request.user, pk, request=request)
    manage = access.may_manage(request.user, meeting)
    try:
        if not manage and not user_has_perm(request.user, ACT):
            raise AllianceError("您没有表决权限", "unit")
        raw = request.POST.get("proposal", "")
        proposal = meeting.proposals.filter(
            pk=int(raw) if raw.isdigit() and len(raw) < 19 else 0
        ).first()
        if proposal is None:
            raise AllianceError("未找到该议案", "proposal")
        if request.POST.get("action") == "decide" and manage:
            proposal_services.proposal_decide(proposal, actor=request.user, request=request)
            proposal.refresh_from_db()
            messages.success(request, f"表决结果：{proposal.get_status_display()}")
        elif request.POST.get("action") == "defer" and manage:
            proposal_services.proposal_defer(proposal, actor=request.user)
            messages.success(request, "已延期至下次会议审议")
        else:
            proposal_services.vote_cast(
                proposal,
                unit=_unit(request, meeting, manage),
                choice_value=request.POST.get("choice", ""),
                actor=request.user,
                request=request,
            )
            messages.success(request, "已记录表决")
    except AllianceError as err:
        messages.error(request, err.message)
    target = request.POST.get("next", "")
    if target == "phone":
        return redirect("alliances:phone")
    return redirect("alliances:meeting_detail", meeting.pk)


@never_cache
@require_perm(ACT)
@require_http_methods(["GET", "POST"])
def checkin(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The page the meeting's QR code opens on a signed-in representative's phone."""
    meeting = access.meetings_visible_to(request.user, ACT).filter(checkin_token=token[:64]).first()
    if meeting is None:
        raise Http404("签到码无效，或您的单位不是本会议成员")
    day = meeting.held_on or timezone.localdate()
    members = body_member_unit_ids(meeting.body, day)
    units = list(
        access.acting_unit_ids(request.user, ACT)
        .filter(pk__in=members)
        .values_list("pk", flat=True)
    )
    mine = Unit.objects.filter(pk__in=units).order_by("name")
    present = set(meeting.attendance.filter(unit_id__in=units).values_list("unit_id", flat=True))
    if request.method == "POST":
        try:
            unit = _unit(request, meeting, False)
            meeting_services.attendance_checkin(
                meeting,
                checkin_token=token,
                unit=unit,
                representative=request.POST.get("representative", "")
                or getattr(request.user, "display_name", ""),
                actor=request.user,
                request=request,
            )
            messages.success(request, f"{unit.name} 签到成功")
            return redirect("alliances:checkin", token)
        except AllianceError as err:
            messages.error(request, err.message)
    return render(
        request,
        "alliances/checkin.html",
        {"meeting": meeting, "units": [(u, u.pk in present) for u in mine], "token": token},
    )


@require_perm(VIEW)
def attachment(request: AuthenticatedRequest, pk: int, token: str) -> FileResponse:
    meeting = access.get_meeting_for_user(request.user, pk, request=request)
    row = meeting.attachments.filter(token=token[:32]).first()
    if row is None:
        raise Http404("未找到附件")
    return FileResponse(
        row.file.open("rb"), content_type=row.content_type, filename=row.original_name
    )


# ---------------------------------------------------------------- phone


@require_perm(ACT)
def phone(request: AuthenticatedRequest) -> HttpResponse:
    """A unit admin's phone home: today's meetings, votes open, my tasks, file a proposal."""
    user = request.user
    today = timezone.localdate()
    units = access.acting_unit_ids(user, ACT)
    meetings = (
        access.meetings_visible_to(user, ACT)
        .filter(status__in=meeting_services.OPEN, scheduled_at__date__gte=today)
        .select_related("body")
        .order_by("scheduled_at")[:10]
    )
    voting = (
        access.proposals_visible_to(user, ACT)
        .filter(status="discussed", meeting__attendance__unit_id__in=units)
        .exclude(votes__unit_id__in=units)
        .select_related("meeting")
        .distinct()[:10]
    )
    tasks = (
        access.tasks_visible_to(user, ACT)
        .filter(unit_id__in=units, status=Task.Status.OPEN)
        .select_related("resolution")
        .order_by("due_on")[:20]
    )
    my_units = list(Unit.objects.filter(pk__in=units).order_by("name"))
    return render(
        request,
        "alliances/phone.html",
        {
            "meetings": meetings,
            "voting": voting,
            "tasks": tasks,
            "today": today,
            "my_units": my_units,
            "choices": Vote.Choice.choices,
            "alliances": access.alliances_visible_to(user, ACT).order_by("name"),
        },
    )
