"""API routes for venues and bookings, duty rosters and e-lessons (`/api/v1/activities/…`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import WithJsonSchema

from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE
from lianjian.activities.models import Lesson, RosterSlot, Shift
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
from lianjian.core.schemas import WHOLE, InputSchema, PathId
from lianjian.orgs.access import get_in_scope

router = Router(tags=["活动志愿：场地、排班与党校"])


def _error(err: ActivityError) -> Any:
    return Status(err.status, {"detail": err.message, "field": err.field})


# a time of day as the API writes it ("08:00:00"); JSON Schema's "time" would want an offset
Clock = Annotated[
    dt.time,
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]


class VenueOut(Schema):
    id: int
    name: str
    address: str
    capacity: int
    opens_at: Clock
    closes_at: Clock


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


class SlotOut(Schema):
    id: int
    post: str
    day: dt.date
    starts: Clock
    ends: Clock
    capacity: int
    taken: int


class ShiftOut(Schema):
    id: int
    slot_id: int
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
def activities_venues_list(request: HttpRequest) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    qs = access.venues_bookable_by(request.user) | access.venues_managed_by(request.user)
    return list(qs.distinct().order_by("name")[:200])


@router.post(
    "/activities/venues/{venue_id}/bookings",
    response={201: BookingOut, **WRITE_ERRORS},
    operation_id="activities_booking_request",
    summary="预约场地（待场地管理方审批）",
)
def activities_booking_request(request: HttpRequest, venue_id: PathId, payload: BookingIn) -> Any:
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
    request: HttpRequest, booking_id: PathId, payload: BookingDecideIn
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
def activities_roster_slots(request: HttpRequest, roster_id: PathId) -> Any:
    ensure_perm(request, f"{JOIN}|{MANAGE}")
    roster = get_in_scope(access.rosters_visible_to(request.user), roster_id, user=request.user)
    return list(roster.slots.all()[:2000])


@router.post(
    "/activities/slots/{slot_id}/take",
    response={200: ShiftOut, **WRITE_ERRORS},
    operation_id="activities_slot_take",
    summary="认领班次（在名额内）",
)
def activities_slot_take(request: HttpRequest, slot_id: PathId) -> Any:
    ensure_perm(request, JOIN)
    slots = RosterSlot.objects.filter(roster__in=access.rosters_visible_to(request.user))
    slot = get_in_scope(slots.select_related("roster"), slot_id, user=request.user)
    volunteer = access.volunteer_of(request.user)
    if volunteer is None:
        return Status(409, {"detail": "请先加入志愿服务", "field": None})
    try:
        return services.shift_take(slot, volunteer, actor=request.user)
    except ActivityError as err:
        return _error(err)


@router.post(
    "/activities/shifts/{shift_id}/release",
    response={200: ShiftOut, **WRITE_ERRORS},
    operation_id="activities_shift_release",
    summary="释放自己的班次",
)
def activities_shift_release(request: HttpRequest, shift_id: PathId) -> Any:
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
def activities_lesson_complete(request: HttpRequest, lesson_id: PathId) -> Any:
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
