"""API routes for venues and bookings, duty rosters and e-lessons (`/api/v1/activities/…`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypedDict

from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query
from pydantic import BeforeValidator, WithJsonSchema
from typing_extensions import TypeAliasType

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE
from lianjian.activities.models import Course, Lesson, RosterSlot, Shift
from lianjian.activities.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BookingStatus,
    CompletionVia,
    IsoDateTime,
)
from lianjian.activities.services import ActivityError
from lianjian.activities.views_school import _courses
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import LAX, WHOLE, Id, InputSchema, IsoDate, PathId
from lianjian.orgs.access import get_in_scope, party_orgs_visible_to, regions_visible_to
from lianjian.orgs.models import PartyOrg, Region

router = Router(tags=["活动志愿：场地、排班与党校"])


# a route returns `Any`: its body is a status and one of the shapes its `response=` declares,
# and ninja checks it against that schema


def _error(err: ActivityError) -> Status[dict[str, str | None]]:
    return Status(err.status, {"detail": err.message, "field": err.field})


# a time of day as the API writes it ("08:00:00"); JSON Schema's "time" would want an offset
Clock = Annotated[
    dt.time,
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?")


def _clock(value: object) -> dt.time | str:
    """Only `HH:MM[:SS]` text (or a time): pydantic alone reads `3600` as a time."""
    if isinstance(value, dt.time) or (isinstance(value, str) and _CLOCK.fullmatch(value)):
        return value
    raise ValueError("应为时间，格式为 HH:MM")


# a time of day a client sends
ClockIn = Annotated[
    dt.time,
    LAX,
    BeforeValidator(_clock),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]


class VenueOut(Schema):
    id: int
    name: str
    address: str
    capacity: int
    opens_at: Clock
    closes_at: Clock
    region_id: int
    owner_org_id: int | None = Field(description="管理党组织（单位场地）")
    is_active: bool = Field(description="开放预约")


class VenueUpdateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100, description="场地名称")
    owner_org_id: Id | None = Field(None, description="管理党组织（单位场地）")
    address: str = Field("", max_length=200, description="地址")
    capacity: Annotated[int, Field(ge=1, le=100000), WHOLE] = Field(description="容纳人数")
    opens_at: ClockIn = Field(description="开放时间（HH:MM）")
    closes_at: ClockIn = Field(description="关闭时间（HH:MM）")
    is_active: bool = Field(True, description="开放预约")


class VenueIn(VenueUpdateIn):
    region_id: Id | None = Field(None, description="所在社区或街道（给了管理党组织可不填）")


class CourseUpdateIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=100, description="课程名称")
    description: str = Field("", max_length=5000, description="课程简介")
    is_open: bool = Field(True, description="对全区开放")


class CourseIn(CourseUpdateIn):
    organizer_org_id: Id = Field(description="主办党组织")


class CourseOut(Schema):
    id: int
    title: str
    description: str
    is_open: bool
    organizer_org_id: int
    lessons: int = Field(description="课程安排数")

    @staticmethod
    def resolve_lessons(obj: Course) -> int:
        return int(obj.lessons.count())


class BookingIn(InputSchema):
    starts_at: IsoDateTime = Field(description="开始时间（ISO 8601）")
    ends_at: IsoDateTime = Field(description="结束时间（ISO 8601）")
    purpose: str = Field(..., min_length=1, max_length=200, description="用途")
    attendees: Annotated[int, WHOLE] = Field(1, ge=1, le=100000, description="人数")


class BookingOut(Schema):
    id: int
    venue_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    status: BookingStatus = Field(description="pending 待审批 / approved / rejected / cancelled")
    reason: str


class BookingDecideIn(InputSchema):
    action: Literal["approve", "reject"] = Field(description="批准或不批准")
    reason: str = Field("", max_length=200, description="不批准的原因（必填）")


SlotWeekday = TypeAliasType(
    "SlotWeekday",
    Annotated[
        RosterSlot.Weekday,
        WithJsonSchema(
            {"title": "SlotWeekday", "type": "integer", "enum": list(RosterSlot.Weekday.values),
             "description": "；".join(f"{v}：{label}" for v, label in RosterSlot.Weekday.choices)}
        ),
    ],
)  # fmt: skip


class SlotOut(Schema):
    id: int
    post: str
    day: dt.date | None = Field(description="按日期的班次：日期（每周循环的为空）")
    weekday: SlotWeekday | None = Field(description="每周循环的班次：星期（0 为周一）")
    from_day: dt.date | None = Field(description="每周循环：起始日期")
    until_day: dt.date | None = Field(description="每周循环：截止日期（含）")
    starts: Clock
    ends: Clock
    capacity: int = Field(description="每次值班的人数")
    taken: int = Field(description="按日期的班次：已认领人数（每周循环的按日期见排班表）")


class ShiftOut(Schema):
    id: int
    slot_id: int
    on: dt.date = Field(description="值班日期")
    released_at: dt.datetime | None


class CompletionOut(Schema):
    id: int
    lesson_id: int
    via: CompletionVia
    at: dt.datetime


def _aware(value: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.get(
    "/activities/venues",
    response={200: list[VenueOut], **READ_ERRORS},
    operation_id="activities_venues_list",
    summary="可预约的共享场地",
)
def activities_venues_list(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    qs = access.venues_bookable_by(request.user) | access.venues_managed_by(request.user)
    return list(qs.distinct().order_by("name")[:200])


class _VenueArgs(TypedDict):
    name: str
    owner_org: PartyOrg | None
    address: str
    capacity: int
    opens_at: dt.time
    closes_at: dt.time


def _venue_args(request: AuthenticatedRequest, payload: VenueUpdateIn) -> _VenueArgs:
    org = None
    if payload.owner_org_id:
        orgs = party_orgs_visible_to(request.user, MANAGE)
        org = orgs.filter(pk=payload.owner_org_id, is_active=True).first()
        if org is None:
            raise ActivityError("管理党组织不在您的管理范围内", "owner_org_id")
    return {
        "name": payload.name, "owner_org": org, "address": payload.address,
        "capacity": payload.capacity, "opens_at": payload.opens_at,
        "closes_at": payload.closes_at,
    }  # fmt: skip


@router.post(
    "/activities/venues",
    response={201: VenueOut, **WRITE_ERRORS},
    operation_id="activities_venue_create",
    summary="添加共享场地（容纳人数、开放时间、管理方）",
)
def activities_venue_create(request: AuthenticatedRequest, payload: VenueIn) -> Any:
    ensure_perm(request, MANAGE)
    try:
        args = _venue_args(request, payload)
        region = None
        if payload.region_id:
            levels = [Region.Level.COMMUNITY, Region.Level.STREET]
            region = (
                regions_visible_to(request.user, MANAGE)
                .filter(pk=payload.region_id, level__in=levels)
                .first()
            )
            if region is None:
                raise ActivityError("所在社区不在您的管理范围内", "region_id")
        elif args["owner_org"] is not None:
            region = args["owner_org"].region
        if region is None:
            raise ActivityError("请选择所在社区或管理党组织", "region_id")
        venue = services.venue_create(actor=request.user, region=region, **args)
        if not payload.is_active:
            venue = services.venue_update(venue, actor=request.user, is_active=False, **args)
    except ActivityError as err:
        return _error(err)
    return Status(201, venue)


@router.put(
    "/activities/venues/{venue_id}",
    response={200: VenueOut, **WRITE_ERRORS},
    operation_id="activities_venue_update",
    summary="编辑共享场地（场地管理方）",
)
def activities_venue_update(
    request: AuthenticatedRequest, venue_id: PathId, payload: VenueUpdateIn
) -> Any:
    ensure_perm(request, MANAGE)
    venue = get_in_scope(access.venues_managed_by(request.user), venue_id, user=request.user)
    try:
        args = _venue_args(request, payload)
        return services.venue_update(venue, actor=request.user, is_active=payload.is_active, **args)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/courses",
    response={201: CourseOut, **WRITE_ERRORS},
    operation_id="activities_course_create",
    summary="新建党校课程",
)
def activities_course_create(request: AuthenticatedRequest, payload: CourseIn) -> Any:
    ensure_perm(request, MANAGE)
    org = (
        party_orgs_visible_to(request.user, MANAGE)
        .filter(pk=payload.organizer_org_id, is_active=True)
        .first()
    )
    if org is None:
        return Status(404, {"detail": "未找到该党组织", "field": "organizer_org_id"})
    try:
        course = services.course_create(
            actor=request.user, title=payload.title, organizer_org=org,
            description=payload.description, is_open=payload.is_open,
        )  # fmt: skip
    except ActivityError as err:
        return _error(err)
    return Status(201, course)


@router.put(
    "/activities/courses/{course_id}",
    response={200: CourseOut, **WRITE_ERRORS},
    operation_id="activities_course_update",
    summary="编辑党校课程",
)
def activities_course_update(
    request: AuthenticatedRequest, course_id: PathId, payload: CourseUpdateIn
) -> Any:
    ensure_perm(request, MANAGE)
    course = get_in_scope(access.courses_managed_by(request.user), course_id, user=request.user)
    try:
        return services.course_update(
            course, actor=request.user, title=payload.title, description=payload.description,
            is_open=payload.is_open,
        )  # fmt: skip
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/venues/{venue_id}/bookings",
    response={201: BookingOut, **WRITE_ERRORS},
    operation_id="activities_booking_request",
    summary="预约场地（待场地管理方审批）",
)
def activities_booking_request(
    request: AuthenticatedRequest, venue_id: PathId, payload: BookingIn
) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    qs = (
        access.venues_bookable_by(request.user) | access.venues_managed_by(request.user)
    ).distinct()
    venue = get_in_scope(qs, venue_id, user=request.user)
    try:
        booking = services.booking_request(
            venue, actor=request.user, starts_at=_aware(payload.starts_at),
            ends_at=_aware(payload.ends_at), purpose=payload.purpose, attendees=payload.attendees,
        )  # fmt: skip
    except ActivityError as err:
        return _error(err)
    return Status(201, booking)


@router.post(
    "/activities/bookings/{booking_id}/decide",
    response={200: BookingOut, **WRITE_ERRORS},
    operation_id="activities_booking_decide",
    summary="审批场地预约（同一时段只批准一个）",
)
def activities_booking_decide(
    request: AuthenticatedRequest, booking_id: PathId, payload: BookingDecideIn
) -> Any:
    ensure_perm(request, MANAGE)
    booking = get_in_scope(access.bookings_managed_by(request.user), booking_id, user=request.user)
    try:
        return services.booking_decide(
            booking, actor=request.user, approve=payload.action == "approve", reason=payload.reason
        )
    except ActivityError as err:
        return _error(err)


@router.get(
    "/activities/rosters/{roster_id}/slots",
    response={200: list[SlotOut], **READ_ERRORS},
    operation_id="activities_roster_slots",
    summary="排班表的班次",
)
def activities_roster_slots(request: AuthenticatedRequest, roster_id: PathId) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    roster = get_in_scope(access.rosters_visible_to(request.user), roster_id, user=request.user)
    return list(roster.slots.all()[:2000])


@router.post(
    "/activities/slots/{slot_id}/take",
    response={200: ShiftOut, **WRITE_ERRORS},
    operation_id="activities_slot_take",
    summary="认领班次（在名额内；每周循环的班次须给出值班日期 on）",
)
def activities_slot_take(
    request: AuthenticatedRequest,
    slot_id: PathId,
    on: IsoDate | None = Query(None, description="每周循环的班次：值班日期（YYYY-MM-DD）"),  # noqa: B008
) -> Any:
    ensure_perm(request, JOIN)
    slots = RosterSlot.objects.filter(roster__in=access.rosters_visible_to(request.user))
    slot = get_in_scope(slots.select_related("roster"), slot_id, user=request.user)
    volunteer = access.volunteer_of(request.user)
    if volunteer is None:
        return Status(409, {"detail": "请先加入志愿服务", "field": None})
    try:
        return services.shift_take(slot, volunteer, on=on, actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/shifts/{shift_id}/release",
    response={200: ShiftOut, **WRITE_ERRORS},
    operation_id="activities_shift_release",
    summary="释放自己的班次",
)
def activities_shift_release(request: AuthenticatedRequest, shift_id: PathId) -> Any:
    ensure_perm(request, JOIN)
    volunteer = access.volunteer_of(request.user)
    mine = Shift.objects.filter(volunteer=volunteer) if volunteer else Shift.objects.none()
    shift = get_in_scope(mine, shift_id, user=request.user)
    try:
        return services.shift_release(shift, actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/lessons/{lesson_id}/complete",
    response={200: CompletionOut, **WRITE_ERRORS},
    operation_id="activities_lesson_complete",
    summary="学完电子党课（每人每课记录一次）",
)
def activities_lesson_complete(request: AuthenticatedRequest, lesson_id: PathId) -> Any:
    ensure_perm(request, JOIN)
    lesson = get_in_scope(
        Lesson.objects.filter(course__in=_courses(request)), lesson_id, user=request.user
    )
    volunteer = access.volunteer_of(request.user)
    if volunteer is None:
        return Status(409, {"detail": "请先加入志愿服务", "field": None})
    try:
        return services.e_lesson_complete(lesson, volunteer, actor=request.user)
    except ActivityError as err:
        return _error(err)
