"""Alliances API, the meeting flow: meetings and attendance, proposals and votes,
resolutions and tasks (same pattern as `lianjian.alliances.api`)."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, selectors
from lianjian.alliances import schemas as s
from lianjian.alliances.api import ACT, MANAGE, PROPOSE, READ, VIEW, WRITE, _err, _page, _ref
from lianjian.alliances.models import Vote
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services import tasks as task_services
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import AllianceError
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import PathId
from lianjian.orgs.models import Unit

router = Router(tags=["党建联盟与联席会议"])

# ---------------------------------------------------------------- meetings


@router.get(
    "/alliances/meetings",
    response={200: s.MeetingPage, **READ},
    operation_id="alliances_meetings_list",
    summary="会议列表",
)
def meetings_list(request: AuthenticatedRequest, filters: Query[s.MeetingFilters]) -> Any:
    ensure_perm(request, VIEW)
    qs = access.meetings_visible_to(request.user).prefetch_related("agenda", "attendance")
    if filters.body:
        qs = qs.filter(body_id=filters.body)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _page(qs.order_by("-scheduled_at", "-pk"), filters)


@router.get(
    "/alliances/meetings/{meeting_id}",
    response={200: s.MeetingOut, **READ},
    operation_id="alliances_meetings_get",
    summary="会议详情",
)
def meetings_get(request: AuthenticatedRequest, meeting_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_meeting_for_user(request.user, meeting_id, request=request)


@router.post(
    "/alliances/meetings/{meeting_id}/status",
    response={200: s.MeetingOut, **WRITE},
    operation_id="alliances_meetings_status",
    summary="召开、取消会议或审定纪要",
)
def meetings_status(
    request: AuthenticatedRequest, meeting_id: PathId, payload: s.MeetingActionIn
) -> Any:
    ensure_perm(request, MANAGE)
    meeting = access.get_meeting_for_user(request.user, meeting_id, MANAGE, request=request)
    try:
        if payload.action == "hold":
            meeting = meeting_services.meeting_hold(
                meeting, held_on=payload.held_on, actor=request.user, request=request
            )
        elif payload.action == "cancel":
            meeting = meeting_services.meeting_cancel(
                meeting, reason=payload.reason, actor=request.user, request=request
            )
        else:
            meeting = meeting_services.minutes_approve(meeting, actor=request.user, request=request)
    except AllianceError as err:
        return _err(err)
    return meeting


@router.post(
    "/alliances/meetings/{meeting_id}/minutes",
    response={200: s.MeetingOut, **WRITE},
    operation_id="alliances_meetings_minutes",
    summary="编写会议纪要（附件请在页面上传）",
)
def meetings_minutes(
    request: AuthenticatedRequest, meeting_id: PathId, payload: s.MinutesIn
) -> Any:
    ensure_perm(request, MANAGE)
    meeting = access.get_meeting_for_user(request.user, meeting_id, MANAGE, request=request)
    try:
        return meeting_services.minutes_save(
            meeting, minutes=payload.minutes, actor=request.user, request=request
        )
    except AllianceError as err:
        return _err(err)


@router.post(
    "/alliances/meetings/{meeting_id}/attendance",
    response={201: s.AttendanceOut, **WRITE},
    operation_id="alliances_meetings_attend",
    summary="登记到会（工作人员登记，或成员单位凭签到码签到）",
)
def meetings_attend(
    request: AuthenticatedRequest, meeting_id: PathId, payload: s.AttendanceIn
) -> Any:
    ensure_perm(request, f"{MANAGE}|{ACT}")
    user = request.user
    meeting = access.get_meeting_for_user(user, meeting_id, request=request)
    try:
        if access.may_manage(user, meeting) and payload.token is None:
            unit = _ref(
                request,
                Unit.objects.filter(pk__in=body_member_unit_ids(meeting.body)),
                payload.unit,
                "unit",
                "单位",
            )
            row = meeting_services.attendance_mark(
                meeting,
                unit=unit,
                representative=payload.representative,
                actor=user,
                request=request,
            )
        else:
            if not access.can_act_for(user, payload.unit, ACT):
                raise AllianceError("您不能代表该单位签到", "unit")
            row = meeting_services.attendance_checkin(
                meeting,
                checkin_token=payload.token or "",
                unit=Unit.objects.get(pk=payload.unit),
                representative=payload.representative,
                actor=user,
                request=request,
            )
    except AllianceError as err:
        return _err(err)
    return Status(201, row)


# ---------------------------------------------------------------- proposals


@router.get(
    "/alliances/proposals",
    response={200: s.ProposalPage, **READ},
    operation_id="alliances_proposals_list",
    summary="建议议案列表",
)
def proposals_list(request: AuthenticatedRequest, filters: Query[s.ProposalFilters]) -> Any:
    ensure_perm(request, VIEW)
    qs = selectors.proposals_filtered(
        request.user, filters.dict(exclude_none=True)
    ).prefetch_related("need_links")
    return _page(qs, filters)


@router.get(
    "/alliances/proposals/{proposal_id}",
    response={200: s.ProposalOut, **READ},
    operation_id="alliances_proposals_get",
    summary="议案详情",
)
def proposals_get(request: AuthenticatedRequest, proposal_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_proposal_for_user(request.user, proposal_id, request=request)


@router.post(
    "/alliances/proposals",
    response={201: s.ProposalOut, **WRITE},
    operation_id="alliances_proposals_create",
    summary="提交建议议案",
)
def proposals_create(request: AuthenticatedRequest, payload: s.ProposalIn) -> Any:
    ensure_perm(request, PROPOSE)
    user = request.user
    try:
        body = _ref(request, selectors.bodies_for_proposal(user), payload.body, "body", "联席会议")
        unit = _ref(
            request, selectors.units_for_proposal(user, body), payload.unit, "unit", "提出单位"
        )
        needs: list[Any] = []
        if payload.needs:
            from lianjian.needs.access import needs_visible_to

            needs = list(needs_visible_to(user).filter(pk__in=payload.needs))
            if len(needs) != len(set(payload.needs)):
                raise AllianceError("所选需求不存在或不在您的管理范围内", "needs")
        proposal = proposal_services.proposal_create(
            body=body,
            unit=unit,
            title=payload.title,
            content=payload.content,
            category=payload.category,
            needs=needs,
            submit=not payload.draft,
            actor=user,
            request=request,
        )
    except AllianceError as err:
        return _err(err)
    return Status(201, proposal)


@router.post(
    "/alliances/proposals/{proposal_id}/transitions",
    response={200: s.ProposalOut, **WRITE},
    operation_id="alliances_proposals_transition",
    summary="议案状态变更（受理、不予受理、合并、列入议程、延期、计票）",
)
def proposals_transition(
    request: AuthenticatedRequest, proposal_id: PathId, payload: s.ProposalActionIn
) -> Any:
    ensure_perm(request, PROPOSE)
    user = request.user
    proposal = access.get_proposal_for_user(user, proposal_id, PROPOSE, request=request)
    try:
        if payload.action == "submit" and (
            access.may_manage(user, proposal) or access.can_act_for(user, proposal.unit_id, PROPOSE)
        ):
            proposal_services.proposal_submit(proposal, actor=user)
        elif not access.may_manage(user, proposal):
            raise AllianceError("只有联席会议工作人员可以处理议案", "action", 403)
        elif payload.action == "accept":
            proposal_services.proposal_accept(proposal, actor=user, note=payload.reason)
        elif payload.action == "decline":
            proposal_services.proposal_decline(proposal, reason=payload.reason, actor=user)
        elif payload.action == "merge":
            into = _ref(
                request, access.proposals_visible_to(user, MANAGE), payload.into, "into", "议案"
            )
            proposal_services.proposal_merge(proposal, into=into, actor=user)
        elif payload.action == "agenda":
            meeting = _ref(
                request,
                access.meetings_visible_to(user, MANAGE),
                payload.meeting,
                "meeting",
                "会议",
            )
            proposal_services.proposal_put_on_agenda(proposal, meeting=meeting, actor=user)
        elif payload.action == "defer":
            proposal_services.proposal_defer(proposal, actor=user, note=payload.reason)
        else:
            proposal_services.proposal_decide(proposal, actor=user, request=request)
    except AllianceError as err:
        return _err(err)
    return access.get_proposal_for_user(user, proposal_id)


@router.post(
    "/alliances/proposals/{proposal_id}/votes",
    response={201: s.VoteOut, **WRITE},
    operation_id="alliances_proposals_vote",
    summary="成员单位表决（每单位一票）",
)
def proposals_vote(request: AuthenticatedRequest, proposal_id: PathId, payload: s.VoteIn) -> Any:
    ensure_perm(request, f"{MANAGE}|{ACT}")
    user = request.user
    proposal = access.get_proposal_for_user(user, proposal_id, request=request)
    try:
        if not (access.may_manage(user, proposal) or access.can_act_for(user, payload.unit, ACT)):
            raise AllianceError("您不能代表该单位表决", "unit")
        unit = _ref(request, Unit.objects.all(), payload.unit, "unit", "单位")
        vote: Vote = proposal_services.vote_cast(
            proposal, unit=unit, choice_value=payload.choice, actor=user, request=request
        )
    except AllianceError as err:
        return _err(err)
    return Status(201, vote)


# ---------------------------------------------------------------- resolutions and tasks


@router.get(
    "/alliances/resolutions",
    response={200: s.ResolutionPage, **READ},
    operation_id="alliances_resolutions_list",
    summary="决议列表",
)
def resolutions_list(request: AuthenticatedRequest, page: Query[s.PageQuery]) -> Any:
    ensure_perm(request, VIEW)
    return _page(access.resolutions_visible_to(request.user).order_by("-adopted_on", "-pk"), page)


@router.get(
    "/alliances/resolutions/{resolution_id}",
    response={200: s.ResolutionOut, **READ},
    operation_id="alliances_resolutions_get",
    summary="决议详情",
)
def resolutions_get(request: AuthenticatedRequest, resolution_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_resolution_for_user(request.user, resolution_id, request=request)


@router.post(
    "/alliances/resolutions/{resolution_id}/tasks",
    response={201: s.TaskOut, **WRITE},
    operation_id="alliances_tasks_assign",
    summary="分派落实任务",
)
def tasks_assign(request: AuthenticatedRequest, resolution_id: PathId, payload: s.TaskIn) -> Any:
    ensure_perm(request, MANAGE)
    resolution = access.get_resolution_for_user(
        request.user, resolution_id, MANAGE, request=request
    )
    try:
        unit = _ref(
            request,
            Unit.objects.filter(pk__in=body_member_unit_ids(resolution.body)),
            payload.unit,
            "unit",
            "承办单位",
        )
        task = task_services.task_assign(
            resolution,
            title=payload.title,
            due_on=payload.due_on,
            unit=unit,
            actor=request.user,
            request=request,
        )
    except AllianceError as err:
        return _err(err)
    return Status(201, task)


@router.get(
    "/alliances/tasks",
    response={200: s.TaskPage, **READ},
    operation_id="alliances_tasks_list",
    summary="落实任务列表",
)
def tasks_list(request: AuthenticatedRequest, filters: Query[s.TaskFilters]) -> Any:
    ensure_perm(request, VIEW)
    return _page(selectors.tasks_filtered(request.user, filters.dict(exclude_none=True)), filters)


@router.get(
    "/alliances/tasks/{task_id}",
    response={200: s.TaskOut, **READ},
    operation_id="alliances_tasks_get",
    summary="任务详情",
)
def tasks_get(request: AuthenticatedRequest, task_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_task_for_user(request.user, task_id, request=request)


@router.post(
    "/alliances/tasks/{task_id}/progress",
    response={200: s.TaskOut, **WRITE},
    operation_id="alliances_tasks_progress",
    summary="报告任务进展或完成",
)
def tasks_progress(
    request: AuthenticatedRequest, task_id: PathId, payload: s.TaskProgressIn
) -> Any:
    ensure_perm(request, f"{MANAGE}|{ACT}")
    task = access.get_task_for_user(request.user, task_id, request=request)
    try:
        if not (
            access.may_manage(request.user, task)
            or access.can_act_for(request.user, task.unit_id, ACT)
        ):
            raise AllianceError("只有承办单位可以报告进展", "unit", 403)
        return task_services.task_report(
            task,
            percent=payload.percent,
            note=payload.text,
            done=payload.done,
            actor=request.user,
            request=request,
        )
    except AllianceError as err:
        return _err(err)


@router.post(
    "/alliances/tasks/{task_id}/review",
    response={200: s.TaskOut, **WRITE},
    operation_id="alliances_tasks_review",
    summary="核验或退回任务",
)
def tasks_review(request: AuthenticatedRequest, task_id: PathId, payload: s.TaskActionIn) -> Any:
    ensure_perm(request, MANAGE)
    task = access.get_task_for_user(request.user, task_id, MANAGE, request=request)
    try:
        if payload.action == "verify":
            return task_services.task_verify(
                task, note=payload.text, actor=request.user, request=request
            )
        return task_services.task_send_back(
            task, note=payload.text, actor=request.user, request=request
        )
    except AllianceError as err:
        return _err(err)
