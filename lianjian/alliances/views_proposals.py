"""Proposal pages (filing, review, merging, putting on an agenda), then what an adopted
proposal becomes: its resolution and the tasks assigned to member units.

Meetings, where proposals are discussed and voted, are in `views_meetings`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, forms, selectors
from lianjian.alliances.models import Meeting, Proposal, Task
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services import tasks as task_services
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import AllianceError
from lianjian.alliances.views import ACT, MANAGE, PROPOSE, VIEW, form_errors, show_error
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.models import Unit

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
            messages.success(request, "议案已提交" if not data["draft"] else "已保存草稿")
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
        messages.success(request, "已更新议案状态")
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
            messages.success(request, "已分派任务并通知承办单位")
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
        messages.success(request, "已保存")
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
