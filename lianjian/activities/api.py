"""Activities API routes (`/api/v1/activities/…`): the same rules as the pages.

Role permission first (403), then the row through `activities.access` (404
outside scope), then the service; an `ActivityError` answers its status
(400/409) with a Chinese message naming the field.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status
from ninja.files import UploadedFile
from ninja.params.functions import File, Form  # typed defaults with constraints

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, selectors, services
from lianjian.activities.access import JOIN, MANAGE, REPORT
from lianjian.activities.models import Volunteer
from lianjian.activities.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ActivitiesReportOut,
    ActivityAttendanceOut,
    CheckinIn,
    EventFilters,
    EventIn,
    EventOut,
    EventPage,
    EventReportOut,
    HoursLogIn,
    HoursOut,
    HoursPage,
    HoursVerifyIn,
    JoinIn,
    MyHoursOut,
    ScanIn,
    SignupOut,
    VolunteerOut,
)
from lianjian.activities.services import ActivityError
from lianjian.activities.views_phone import SIGNUP_RATE
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.schemas import PageLimit, PageOffset, PathId
from lianjian.orgs.access import get_in_scope, party_orgs_visible_to

router = Router(tags=["活动志愿"])
# a route returns `Any`: its body is a status and one of the shapes its `response=` declares,
# and ninja checks it against that schema


def _error(err: ActivityError) -> Status[dict[str, str | None]]:
    return Status(err.status, {"detail": err.message, "field": err.field})


def _volunteer(request: AuthenticatedRequest) -> Volunteer:
    volunteer = access.volunteer_of(request.user)
    if volunteer is None or volunteer.withdrawn_at is not None:
        raise ActivityError("请先加入志愿服务（同意个人信息使用说明）", "volunteer", 409)
    return volunteer


@router.get(
    "/activities/events",
    response={200: EventPage, **READ_ERRORS},
    operation_id="activities_events_list",
    summary="近期可报名的活动（组织者：managed=true 列出我管理的活动）",
)
def activities_events_list(request: AuthenticatedRequest, filters: Query[EventFilters]) -> Any:
    if filters.managed:
        ensure_perm(request, MANAGE)
        qs = access.events_managed_by(request.user)
    else:
        ensure_perm(request, JOIN)
        qs = selectors.upcoming_events(request.user)
    qs = qs.select_related("organizer_org", "organizer_team", "organizer_alliance")
    return {"items": list(qs[filters.offset : filters.offset + filters.limit]), "count": qs.count()}


@router.get(
    "/activities/events/{event_id}",
    response={200: EventOut, **READ_ERRORS},
    operation_id="activities_events_get",
    summary="活动详情",
)
def activities_events_get(request: AuthenticatedRequest, event_id: PathId) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    qs = access.events_managed_by(request.user) | access.events_open_to(request.user)
    return get_in_scope(qs.distinct(), event_id, user=request.user, request=request)


@router.post(
    "/activities/events",
    response={201: EventOut, **WRITE_ERRORS},
    operation_id="activities_events_create",
    summary="发布活动",
)
def activities_events_create(request: AuthenticatedRequest, payload: EventIn) -> Any:
    ensure_perm(request, MANAGE)
    orgs = party_orgs_visible_to(request.user, MANAGE)
    try:
        org = team = None
        if payload.organizer_org_id:
            org = get_in_scope(orgs, payload.organizer_org_id, user=request.user)
        elif payload.organizer_team_id:
            team = get_in_scope(
                access.teams_managed_by(request.user), payload.organizer_team_id, user=request.user
            )
        joint = list(orgs.filter(pk__in=payload.joint_org_ids))
        if len(joint) != len(set(payload.joint_org_ids)):
            raise ActivityError("联组党组织不在您的管理范围内", "joint_org_ids")
        region = org.region if org else team.region if team else None
        if region is None:
            raise ActivityError("请选择主办的党组织或志愿服务队", "organizer_org_id")
        event = services.event_create(
            actor=request.user,
            kind=payload.kind,
            title=payload.title,
            region=region,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            organizer_org=org,
            organizer_team=team,
            joint_orgs=joint,
            audience=payload.audience,
            capacity=payload.capacity,
            signup_deadline=payload.signup_deadline,
            place=payload.place,
            description=payload.description,
            publish=payload.publish,
        )
    except ActivityError as err:
        return _error(err)
    return Status(201, event)


@router.post(
    "/activities/events/{event_id}/report",
    response={200: EventReportOut, **WRITE_ERRORS},
    operation_id="activities_event_report",
    summary="活动小结与照片（活动开始后填写；报名中的活动随之结束）",
    # the form takes these two fields only (as JSON bodies refuse unknown fields)
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"schema": {"additionalProperties": False}}}
        }
    },
)
def activities_event_report(
    request: AuthenticatedRequest,
    event_id: PathId,
    summary: str = Form(None, max_length=5000, description="活动小结（不填则不改）"),
    photos: list[UploadedFile] = File(None, description="活动照片（图片，每张 ≤ 5 MB）"),  # noqa: B008
) -> Any:
    ensure_perm(request, MANAGE)
    event = get_in_scope(access.events_managed_by(request.user), event_id, user=request.user)
    unknown = sorted((set(request.POST) - {"summary"}) | (set(request.FILES) - {"photos"}))
    if unknown:
        return Status(
            400, {"detail": "表单只接受 summary 和 photos 两项", "field": unknown[0][:50]}
        )
    try:
        return services.event_report(
            event, actor=request.user, summary=summary, photos=photos or []
        )
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/events/{event_id}/signup",
    response={200: SignupOut, **WRITE_ERRORS},
    operation_id="activities_signup",
    summary="报名（名额满时进入候补）",
)
def activities_signup(request: AuthenticatedRequest, event_id: PathId) -> Any:
    ensure_perm(request, JOIN)
    limited = rate_limited(
        request, "activities.signup", limit=SIGNUP_RATE[0], window=SIGNUP_RATE[1]
    )
    if limited is not None:
        return Status(429, {"detail": "请求过于频繁，请稍后再试", "field": None})
    event = get_in_scope(access.events_open_to(request.user), event_id, user=request.user)
    try:
        return services.signup_create(event, _volunteer(request), actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/events/{event_id}/cancel",
    response={200: SignupOut, **WRITE_ERRORS},
    operation_id="activities_signup_cancel",
    summary="取消报名（名额自动递补给候补第一位）",
)
def activities_signup_cancel(request: AuthenticatedRequest, event_id: PathId) -> Any:
    ensure_perm(request, JOIN)
    event = get_in_scope(access.events_open_to(request.user), event_id, user=request.user)
    row = (
        access.signups_of(request.user)
        .filter(event=event, status__in=["confirmed", "waiting"])
        .first()
    )
    if row is None:
        return Status(404, {"detail": "您没有报名该活动", "field": None})
    try:
        return services.signup_cancel(row, actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/checkin",
    response={200: ActivityAttendanceOut, **WRITE_ERRORS},
    operation_id="activities_checkin",
    summary="扫活动码签到（活动前后 30 分钟内，每人一次）",
)
def activities_checkin(request: AuthenticatedRequest, payload: CheckinIn) -> Any:
    ensure_perm(request, JOIN)
    try:
        return services.checkin_by_token(payload.token, _volunteer(request), actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/events/{event_id}/scan",
    response={200: ActivityAttendanceOut, **WRITE_ERRORS},
    operation_id="activities_scan",
    summary="组织者扫志愿者个人码签到",
)
def activities_scan(request: AuthenticatedRequest, event_id: PathId, payload: ScanIn) -> Any:
    ensure_perm(request, MANAGE)
    event = get_in_scope(access.events_managed_by(request.user), event_id, user=request.user)
    try:
        return services.checkin_by_scan(event, payload.qr_token, actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/me/volunteer",
    response={200: VolunteerOut, **WRITE_ERRORS},
    operation_id="activities_join",
    summary="加入志愿服务（记录同意的版本和时间）",
)
def activities_join(request: AuthenticatedRequest, payload: JoinIn) -> Any:
    ensure_perm(request, JOIN)
    region = access.home_region(request.user)
    if region is None:
        return Status(400, {"detail": "未找到您所在的社区", "field": None})
    try:
        return services.volunteer_join(
            user=request.user,
            region=region,
            name=payload.name,
            member=access.member_of(request.user),
            skills=payload.skills,
            consent=payload.consent,
            request=request,
        )
    except ActivityError as err:
        return _error(err)


@router.delete(
    "/activities/me/volunteer",
    response={200: VolunteerOut, **WRITE_ERRORS},
    operation_id="activities_withdraw",
    summary="撤回同意（不再出现在队伍名单，未开始的报名取消）",
)
def activities_withdraw(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, JOIN)
    volunteer = access.volunteer_of(request.user)
    if volunteer is None:
        return Status(404, {"detail": "您尚未加入志愿服务", "field": None})
    services.volunteer_withdraw(volunteer, actor=request.user, request=request)
    volunteer.refresh_from_db()
    return volunteer


@router.get(
    "/activities/me/hours",
    response={200: MyHoursOut, **READ_ERRORS},
    operation_id="activities_my_hours",
    summary="我的服务时长：逐年合计与记录",
)
def activities_my_hours(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, JOIN)
    records = access.hours_of(request.user).select_related("volunteer")[:200]
    return {"totals": selectors.my_totals(request.user), "records": list(records)}


@router.post(
    "/activities/me/hours",
    response={201: HoursOut, **WRITE_ERRORS},
    operation_id="activities_hours_log",
    summary="登记活动之外的服务时长（待审核）",
)
def activities_hours_log(request: AuthenticatedRequest, payload: HoursLogIn) -> Any:
    ensure_perm(request, JOIN)
    try:
        record = services.hours_log(
            _volunteer(request),
            on=payload.on,
            hours=payload.hours,
            description=payload.description,
            actor=request.user,
        )
    except ActivityError as err:
        return _error(err)
    return Status(201, record)


@router.get(
    "/activities/hours/pending",
    response={200: HoursPage, **READ_ERRORS},
    operation_id="activities_hours_pending",
    summary="待审核的服务时长（组织者：管理范围内；队长：本队队员和本队活动的）",
)
def activities_hours_pending(
    request: AuthenticatedRequest, limit: PageLimit = 20, offset: PageOffset = 0
) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    qs = selectors.hours_to_verify(request.user)
    return {"items": list(qs[offset : offset + limit]), "count": qs.count()}


@router.post(
    "/activities/hours/{record_id}/verify",
    response={200: HoursOut, **WRITE_ERRORS},
    operation_id="activities_hours_verify",
    summary="认定或不通过服务时长（组织者或队长；可调整时长）",
)
def activities_hours_verify(
    request: AuthenticatedRequest, record_id: PathId, payload: HoursVerifyIn
) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    record = get_in_scope(access.hours_verifiable_by(request.user), record_id, user=request.user)
    try:
        return services.hours_verify(
            record,
            actor=request.user,
            approve=payload.action == "verify",
            reason=payload.reason,
            hours=payload.hours,
        )
    except ActivityError as err:
        return _error(err)


@router.get(
    "/activities/report",
    response={200: ActivitiesReportOut, **READ_ERRORS},
    operation_id="activities_report",
    summary="各社区志愿服务队与志愿者统计",
)
def activities_report(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, REPORT)
    rows = selectors.community_report(request.user)
    return {
        "communities": rows,
        "teams": sum(r["teams"] for r in rows),
        "volunteers": sum(r["volunteers"] for r in rows),
        "joint_party_days": selectors.joint_party_days(request.user).count(),
    }
