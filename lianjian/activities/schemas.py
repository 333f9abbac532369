"""Schemas of the activities API (`activities/api.py`): bodies and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema
from typing_extensions import TypeAliasType

from lianjian.activities.models import (
    Attendance,
    Audience,
    Booking,
    Completion,
    Event,
    EventPhoto,
    HoursRecord,
    Kind,
    Signup,
)
from lianjian.core.schemas import (
    LAX,
    WHOLE,
    ErrorOut,
    Id,
    InputSchema,
    IsoDate,
    PageLimit,
    PageOffset,
    choices_schema,
)

EventKind = TypeAliasType("EventKind", Annotated[Kind, LAX, choices_schema(Kind, "EventKind")])
EventAudience = TypeAliasType(
    "EventAudience", Annotated[Audience, LAX, choices_schema(Audience, "EventAudience")]
)
EventStatus = TypeAliasType(
    "EventStatus", Annotated[Event.Status, LAX, choices_schema(Event.Status, "EventStatus")]
)
SignupStatus = TypeAliasType(
    "SignupStatus", Annotated[Signup.Status, LAX, choices_schema(Signup.Status, "SignupStatus")]
)
HoursStatus = TypeAliasType(
    "HoursStatus",
    Annotated[HoursRecord.Status, LAX, choices_schema(HoursRecord.Status, "HoursStatus")],
)
ActivityCheckinMethod = TypeAliasType(
    "ActivityCheckinMethod",
    Annotated[Attendance.Method, LAX, choices_schema(Attendance.Method, "ActivityCheckinMethod")],
)
BookingStatus = TypeAliasType(
    "BookingStatus",
    Annotated[Booking.Status, LAX, choices_schema(Booking.Status, "BookingStatus")],
)
CompletionVia = TypeAliasType(
    "CompletionVia",
    Annotated[Completion.Via, LAX, choices_schema(Completion.Via, "CompletionVia")],
)
# hours in tenths (0.1–24), as the spec says: a number of 0.1 steps
Hours = Annotated[
    Decimal,
    LAX,
    Field(gt=0, le=24, decimal_places=1),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 24, "multipleOf": 0.1}),
]
# a time a client sends as ISO 8601 text (JSON has no datetime type)
IsoDateTime = Annotated[dt.datetime, LAX]

READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
}


class EventFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100）")
    offset: PageOffset = Field(0, description="跳过的条数")
    managed: bool = Field(False, description="组织者：我管理的活动（默认：我可报名的近期活动）")


class EventOut(Schema):
    id: int
    kind: EventKind
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    audience: EventAudience
    capacity: int | None = Field(description="名额（空为不限）")
    taken: int = Field(description="已占名额")
    signup_deadline: dt.datetime | None
    status: EventStatus
    organizer: str = Field(description="主办方")
    community_id: int | None

    @staticmethod
    def resolve_organizer(obj: Event) -> str:
        return obj.organizer_name


class EventPhotoOut(Schema):
    url: str = Field(description="照片地址（有权查看该活动的用户可打开）")
    content_type: str = Field(description="图片类型，如 image/jpeg")
    size: int = Field(description="字节数")

    @staticmethod
    def resolve_url(obj: EventPhoto) -> str:
        return f"/activities/photos/{obj.token}/"


class EventReportOut(Schema):
    id: int
    status: EventStatus
    summary: str = Field(description="活动小结")
    photos: list[EventPhotoOut] = Field(description="活动照片")

    @staticmethod
    def resolve_photos(obj: Event) -> list[EventPhoto]:
        return list(obj.photos.all())


class EventPage(Schema):
    items: list[EventOut]
    count: int


class EventIn(InputSchema):
    kind: EventKind = Field(description="活动类型")
    title: str = Field(..., max_length=100, description="活动名称")
    organizer_org_id: Id | None = Field(None, description="主办党组织")
    organizer_team_id: Id | None = Field(None, description="或：主办志愿服务队")
    joint_org_ids: list[Id] = Field([], max_length=20, description="联组党组织")
    starts_at: IsoDateTime = Field(description="开始时间（ISO 8601）")
    ends_at: IsoDateTime = Field(description="结束时间（ISO 8601）")
    place: str = Field("", max_length=200, description="地点")
    audience: EventAudience = Field(Audience.COMMUNITY, description="面向")
    capacity: Annotated[int, Field(ge=1, le=100000), WHOLE] | None = Field(None, description="名额")
    signup_deadline: IsoDateTime | None = Field(None, description="报名截止")
    description: str = Field("", max_length=5000, description="活动内容")
    publish: bool = Field(True, description="立即发布")


class SignupOut(Schema):
    id: int
    event_id: int
    status: SignupStatus = Field(description="confirmed 已报名 / waiting 候补中 / cancelled")


class CheckinIn(InputSchema):
    token: str = Field(..., min_length=1, max_length=64, description="活动签到码")


class ScanIn(InputSchema):
    qr_token: str = Field(..., min_length=1, max_length=64, description="志愿者个人码")


class ActivityAttendanceOut(Schema):
    id: int
    event_id: int
    volunteer_id: int
    method: ActivityCheckinMethod
    at: dt.datetime


class HoursOut(Schema):
    id: int
    on: dt.date
    hours: Decimal
    description: str
    status: HoursStatus
    reason: str
    event_id: int | None
    volunteer_id: int
    volunteer_name: str

    @staticmethod
    def resolve_volunteer_name(obj: HoursRecord) -> str:
        return obj.volunteer.name


class YearTotalOut(Schema):
    year: int
    verified: Decimal
    pending: Decimal
    events: int


class MyHoursOut(Schema):
    totals: list[YearTotalOut]
    records: list[HoursOut]


class HoursLogIn(InputSchema):
    on: IsoDate = Field(description="服务日期")
    hours: Hours = Field(description="时长（小时，0.1–24）")
    description: str = Field(..., min_length=1, max_length=200, description="服务内容")


class HoursVerifyIn(InputSchema):
    action: Literal["verify", "reject"] = Field(description="认定或不通过")
    reason: str = Field("", max_length=200, description="不通过原因（不通过时必填）")
    hours: Hours | None = Field(None, description="调整后的时长")


class HoursPage(Schema):
    items: list[HoursOut]
    count: int


class JoinIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50, description="姓名")
    skills: str = Field("", max_length=200, description="特长")
    consent: bool = Field(description="同意个人信息使用说明（必须为 true）")


class VolunteerOut(Schema):
    id: int
    name: str
    consent_version: str
    consent_at: dt.datetime
    withdrawn_at: dt.datetime | None


class CommunityRowOut(Schema):
    community_id: int
    community: str
    teams: int
    volunteers: int
    in_teams: int


class ActivitiesReportOut(Schema):
    communities: list[CommunityRowOut]
    teams: int
    volunteers: int
    joint_party_days: int
