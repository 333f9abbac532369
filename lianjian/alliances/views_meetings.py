"""Meeting, proposal, resolution and task pages, the QR check-in and the phone home."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, forms, selectors
from lianjian.alliances.models import Meeting, Proposal, Task, Vote
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services import tasks as task_services
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import AllianceError
from lianjian.alliances.views import MANAGE, VIEW, form_errors, show_error
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.models import Unit

PROPOSE = "alliances.propose"
ACT = "alliances.act"


def _done(request: AuthenticatedRequest, text: str) -> None:
    messages.success(request, text)


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
            _done(request, "已安排会议，并通知成员单位")
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
            _done(request, "已标记为已召开，议程中的议案进入审议")
        elif action == "cancel":
            meeting_services.meeting_cancel(
                meeting, reason=request.POST.get("reason", ""), actor=user
            )
            _done(request, "已取消会议")
        elif action == "attend":
            meeting_services.attendance_mark(
                meeting, unit=_unit(request, meeting, True), actor=user, request=request
            )
            _done(request, "已登记到会")
        elif action == "minutes":
            meeting_services.minutes_save(
                meeting,
                minutes=request.POST.get("minutes", ""),
                files=request.FILES.getlist("files"),
                actor=user,
                request=request,
            )
            _done(request, "已保存会议纪要")
        elif action == "approve":
            meeting_services.minutes_approve(meeting, actor=user, request=request)
            _done(request, "纪要已审定")
        elif action == "agenda":
            meeting_services.agenda_add(meeting, title=request.POST.get("title", ""), actor=user)
            _done(request, "已增加议题")
        elif action == "put":
            proposal = access.get_proposal_for_user(user, request.POST.get("proposal"), MANAGE)
            proposal_services.proposal_put_on_agenda(proposal, meeting=meeting, actor=user)
            _done(request, f"已将“{proposal.title}”列入议程")
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
            _done(request, f"表决结果：{proposal.get_status_display()}")
        elif request.POST.get("action") == "defer" and manage:
            proposal_services.proposal_defer(proposal, actor=request.user)
            _done(request, "已延期至下次会议审议")
        else:
            proposal_services.vote_cast(
                proposal,
                unit=_unit(request, meeting, manage),
                choice_value=request.POST.get("choice", ""),
                actor=request.user,
                request=request,
            )
            _done(request, "已记录表决")
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
            _done(request, f"{unit.name} 签到成功")
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


# ---------------------------------------------------------------- proposals


@require_perm(VIEW)
def proposal_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "status", "source")}
    page = Paginator(selectors.proposals_filtered(request.user, filters), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "alliances/proposal_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Proposal.Status.choices,
            "sources": Proposal.Source.choices,
            "querystring_base": querystring_without_page(request),
            "can_propose": user_has_perm(request.user, PROPOSE),
        },
    )


def _needs_from(request: AuthenticatedRequest) -> list[Any]:
    """Needs named in `?needs=1,2` that the user may see (the needs channel's own scope)."""
    raw = (request.GET.get("needs") or request.POST.get("needs") or "")[:500]
    ids = [int(x) for x in raw.split(",") if x.strip().isdigit() and len(x.strip()) < 19][:50]
    if not ids or not user_has_perm(request.user, "needs.view"):
        return []
    from lianjian.needs.access import needs_visible_to

    return list(needs_visible_to(request.user).filter(pk__in=ids))


@never_cache
@require_perm(PROPOSE)
@require_http_methods(["GET", "POST"])
def proposal_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    bodies = selectors.bodies_for_proposal(user).order_by("name")
    raw_body = request.POST.get("body") or request.GET.get("body") or ""
    body = (
        bodies.filter(pk=int(raw_body)).first()
        if raw_body.isdigit() and len(raw_body) < 19
        else None
    )
    if body is None and bodies.count() == 1:
        body = bodies.first()
    units = selectors.units_for_proposal(user, body) if body else Unit.objects.none()
    needs = _needs_from(request)
    initial: dict[str, Any] = {"body": body.pk if body else None}
    if needs:
        initial["title"] = needs[0].text[:60]
        initial["content"] = "\n".join(f"[{n.tracking_code}] {n.text}" for n in needs)
    if units.count() == 1:
        initial["unit"] = units.first().pk  # type: ignore[union-attr]
    form = forms.ProposalForm(bodies, units, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = proposal_services.proposal_create(
                body=data["body"],
                unit=data["unit"],
                title=data["title"],
                content=data["content"],
                category=data["category"],
                needs=needs,
                submit=not data["draft"],
                actor=user,
                request=request,
            )
        except AllianceError as err:
            show_error(form, err)
        else:
            _done(request, "议案已提交" if not data["draft"] else "已保存草稿")
            return redirect("alliances:proposal_detail", proposal.pk)
    return render(
        request,
        "alliances/proposal_form.html",
        {
            "form": form,
            "needs": needs,
            "body": body,
            "needs_param": ",".join(str(n.pk) for n in needs),
        },
    )


@require_perm(VIEW)
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = access.get_proposal_for_user(request.user, pk, request=request)
    can_manage = access.may_manage(request.user, proposal)
    meetings = (
        proposal.body.meetings.filter(status=Meeting.Status.SCHEDULED).order_by("scheduled_at")
        if can_manage
        else []
    )
    return render(
        request,
        "alliances/proposal_detail.html",
        {
            "proposal": proposal,
            "history": [
                (h, Proposal.Status(h.to_status).label)
                for h in proposal.history.select_related("actor")
            ],
            "needs": proposal.need_links.select_related("need"),
            "can_manage": can_manage,
            "can_submit": proposal.status == "draft"
            and (can_manage or access.can_act_for(request.user, proposal.unit_id, PROPOSE)),
            "meetings": meetings,
            "allowed": proposal_services.ALLOWED_TRANSITIONS[Proposal.Status(proposal.status)],
            "resolution": getattr(proposal, "resolution", None)
            if proposal.status == "adopted"
            else None,
        },
    )


@require_perm(PROPOSE)
@require_POST
def proposal_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    proposal = access.get_proposal_for_user(user, pk, PROPOSE, request=request)
    action = request.POST.get("action", "")
    manage = access.may_manage(user, proposal)
    try:
        if action == "submit" and (manage or access.can_act_for(user, proposal.unit_id, PROPOSE)):
            proposal_services.proposal_submit(proposal, actor=user)
        elif not manage:
            raise AllianceError("只有联席会议工作人员可以处理议案", "action")
        elif action == "accept":
            proposal_services.proposal_accept(proposal, actor=user)
        elif action == "decline":
            proposal_services.proposal_decline(
                proposal, reason=request.POST.get("reason", ""), actor=user
            )
        elif action == "merge":
            into = access.get_proposal_for_user(user, request.POST.get("into"), MANAGE)
            proposal_services.proposal_merge(proposal, into=into, actor=user)
        elif action == "agenda":
            meeting = access.get_meeting_for_user(user, request.POST.get("meeting"), MANAGE)
            proposal_services.proposal_put_on_agenda(proposal, meeting=meeting, actor=user)
        else:
            raise AllianceError("未知操作", "action")
        _done(request, "已更新议案状态")
    except AllianceError as err:
        messages.error(request, err.message)
    except Http404:
        messages.error(request, "未找到所选记录，或您无权操作")
    return redirect("alliances:proposal_detail", proposal.pk)


# ---------------------------------------------------------------- resolutions and tasks


@require_perm(VIEW)
def resolution_list(request: AuthenticatedRequest) -> HttpResponse:
    qs = access.resolutions_visible_to(request.user).select_related("body", "proposal__unit")
    page = Paginator(qs.order_by("-adopted_on", "-pk"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "alliances/resolution_list.html",
        {"page": page, "querystring_base": querystring_without_page(request)},
    )


@require_perm(VIEW)
def resolution_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resolution = access.get_resolution_for_user(request.user, pk, request=request)
    can_manage = access.may_manage(request.user, resolution)
    form = None
    if can_manage:
        units = Unit.objects.filter(pk__in=body_member_unit_ids(resolution.body)).order_by("name")
        form = forms.TaskForm(units)
    return render(
        request,
        "alliances/resolution_detail.html",
        {
            "resolution": resolution,
            "tasks": resolution.tasks.select_related("unit", "department"),
            "form": form,
            "today": timezone.localdate(),
        },
    )


@require_perm(MANAGE)
@require_POST
def task_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resolution = access.get_resolution_for_user(request.user, pk, MANAGE, request=request)
    units = Unit.objects.filter(pk__in=body_member_unit_ids(resolution.body))
    form = forms.TaskForm(units, request.POST)
    if form.is_valid():
        try:
            task_services.task_assign(
                resolution, actor=request.user, request=request, **form.cleaned_data
            )
            _done(request, "已分派任务并通知承办单位")
        except AllianceError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, form_errors(form))
    return redirect("alliances:resolution_detail", resolution.pk)


@require_perm(VIEW)
def task_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip()[:20] for k in ("status", "overdue", "mine")}
    page = Paginator(selectors.tasks_filtered(request.user, filters), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "alliances/task_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Task.Status.choices,
            "today": timezone.localdate(),
            "querystring_base": querystring_without_page(request),
        },
    )


@require_perm(VIEW)
def task_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk, request=request)
    return render(
        request,
        "alliances/task_detail.html",
        {
            "task": task,
            "timeline": task.timeline.select_related("author"),
            "can_manage": access.may_manage(request.user, task),
            "can_report": task.status == Task.Status.OPEN
            and (
                access.may_manage(request.user, task)
                or access.can_act_for(request.user, task.unit_id, ACT)
            ),
            "form": forms.ProgressForm(initial={"percent": task.percent}),
            "today": timezone.localdate(),
        },
    )


@require_perm(VIEW)
@require_POST
def task_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    task = access.get_task_for_user(user, pk, request=request)
    manage = access.may_manage(user, task)
    action = request.POST.get("action", "")
    try:
        if action == "report":
            if not (manage or access.can_act_for(user, task.unit_id, ACT)):
                raise AllianceError("只有承办单位可以报告进展", "action")
            form = forms.ProgressForm(request.POST, request.FILES)
            if not form.is_valid():
                raise AllianceError(form_errors(form), "text")
            data = form.cleaned_data
            task_services.task_report(
                task,
                percent=data["percent"],
                note=data["text"],
                files=[data["file"]] if data["file"] else [],
                done=data["done"],
                actor=user,
                request=request,
            )
        elif not manage:
            raise AllianceError("只有工作人员可以核验任务", "action")
        elif action == "verify":
            task_services.task_verify(
                task, note=request.POST.get("text", ""), actor=user, request=request
            )
        elif action == "send_back":
            task_services.task_send_back(
                task, note=request.POST.get("text", ""), actor=user, request=request
            )
        else:
            raise AllianceError("未知操作", "action")
        _done(request, "已保存")
    except AllianceError as err:
        messages.error(request, err.message)
    if request.POST.get("next") == "phone":
        return redirect("alliances:phone")
    return redirect("alliances:task_detail", task.pk)


@require_perm(VIEW)
def task_file(request: AuthenticatedRequest, pk: int, token: str) -> FileResponse:
    task = access.get_task_for_user(request.user, pk, request=request)
    row = task.timeline.filter(token=token[:32]).exclude(token="").first()
    if row is None:
        raise Http404("未找到附件")
    return FileResponse(row.file.open("rb"), content_type=row.content_type)


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
