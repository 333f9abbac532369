"""API schemas of the alliances routes (`lianjian.core.schemas` types throughout)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from typing_extensions import TypeAliasType

from lianjian.alliances.cadence import Compliance
from lianjian.alliances.models import (
    AgreementItem,
    Attendance,
    Body,
    Meeting,
    Proposal,
    Resolution,
    Task,
    Vote,
)
from lianjian.alliances.models.alliances import Cadence, Level, Position
from lianjian.core.schemas import (
    LAX,
    WHOLE,
    Id,
    InputSchema,
    IsoDate,
    IsoDateTime,
    PageLimit,
    PageOffset,
    choices_schema,
)

AllianceLevel = TypeAliasType(
    "AllianceLevel", Annotated[Level, LAX, choices_schema(Level, "AllianceLevel")]
)
AllianceMemberPosition = TypeAliasType(
    "AllianceMemberPosition",
    Annotated[Position, LAX, choices_schema(Position, "AllianceMemberPosition")],
)
BodyKind = TypeAliasType(
    "BodyKind", Annotated[Body.Kind, LAX, choices_schema(Body.Kind, "BodyKind")]
)
BodyCadence = TypeAliasType(
    "BodyCadence", Annotated[Cadence, LAX, choices_schema(Cadence, "BodyCadence")]
)
BodyMajority = TypeAliasType(
    "BodyMajority", Annotated[Body.Majority, LAX, choices_schema(Body.Majority, "BodyMajority")]
)
MeetingStatus = TypeAliasType(
    "MeetingStatus", Annotated[Meeting.Status, LAX, choices_schema(Meeting.Status, "MeetingStatus")]
)
ProposalStatus = TypeAliasType(
    "ProposalStatus",
    Annotated[Proposal.Status, LAX, choices_schema(Proposal.Status, "ProposalStatus")],
)
ProposalSource = TypeAliasType(
    "ProposalSource",
    Annotated[Proposal.Source, LAX, choices_schema(Proposal.Source, "ProposalSource")],
)
ProposalCategory = TypeAliasType(
    "ProposalCategory",
    Annotated[Proposal.Category, LAX, choices_schema(Proposal.Category, "ProposalCategory")],
)
VoteChoice = TypeAliasType(
    "VoteChoice", Annotated[Vote.Choice, LAX, choices_schema(Vote.Choice, "VoteChoice")]
)
ResolutionStatus = TypeAliasType(
    "ResolutionStatus",
    Annotated[Resolution.Status, LAX, choices_schema(Resolution.Status, "ResolutionStatus")],
)
TaskStatus = TypeAliasType(
    "TaskStatus", Annotated[Task.Status, LAX, choices_schema(Task.Status, "TaskStatus")]
)
CadenceCompliance = TypeAliasType(
    "CadenceCompliance", Annotated[Compliance, LAX, choices_schema(Compliance, "CadenceCompliance")]
)
AttendanceMethod = TypeAliasType(
    "AttendanceMethod",
    Annotated[Attendance.Method, LAX, choices_schema(Attendance.Method, "AttendanceMethod")],
)
ProposalAction = TypeAliasType(
    "ProposalAction", Literal["submit", "accept", "decline", "merge", "agenda", "defer", "decide"]
)
TaskAction = TypeAliasType("TaskAction", Literal["verify", "send_back"])

Text100 = Annotated[str, Field(max_length=100)]


class PageQuery(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")


class AllianceOut(Schema):
    id: int
    name: str
    level: AllianceLevel
    region_id: int
    lead_unit_id: int | None
    lead_party_org_id: int | None
    founded_on: dt.date
    purpose: str
    is_active: bool


class AllianceDetailOut(AllianceOut):
    members: int
    founding_members: int
    charter_version: int | None
    charter_text: str
    charter_adopted_on: dt.date | None


class AlliancePage(Schema):
    items: list[AllianceOut]
    count: int


class AllianceIn(InputSchema):
    name: str = Field(..., max_length=100, description="联盟名称")
    level: AllianceLevel = Field(description="层级")
    region: Id = Field(description="所在区域 id（区、街道或社区）")
    founded_on: IsoDate = Field(description="成立日期")
    purpose: str = Field("", max_length=2000, description="宗旨")
    lead_unit: Id | None = Field(None, description="牵头单位 id")
    lead_party_org: Id | None = Field(None, description="牵头党组织 id")
    charter_text: str = Field("", max_length=20000, description="首版章程")


class CharterIn(InputSchema):
    text: str = Field(..., max_length=20000, description="章程全文")
    adopted_on: IsoDate = Field(description="通过日期")
    meeting: Id | None = Field(None, description="通过会议 id")


class CharterOut(Schema):
    version: int
    text: str
    adopted_on: dt.date
    adopted_at_id: int | None


class AllianceMemberOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    position: AllianceMemberPosition
    joined_on: dt.date
    left_on: dt.date | None
    is_founding: bool
    liaison_name: str

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        if isinstance(obj, dict):  # a joint meeting's member, answered as a dict (no position)
            return str(obj["unit_name"])
        return str(obj.unit.name)


class AllianceMemberIn(InputSchema):
    unit: Id = Field(description="单位 id")
    joined_on: IsoDate = Field(description="加入日期")
    position: AllianceMemberPosition = Field(Position.MEMBER, description="职务")
    liaison_name: str = Field("", max_length=50, description="联络人")


class BodyOut(Schema):
    id: int
    name: str
    kind: BodyKind
    region_id: int
    alliance_id: int | None
    cadence: BodyCadence
    quorum_percent: int
    majority: BodyMajority
    is_active: bool


class BodyPage(Schema):
    items: list[BodyOut]
    count: int


class BodyFilters(PageQuery):
    not_met: bool = Field(False, description="只列本期尚未召开的")


class BodyIn(InputSchema):
    name: str = Field(..., max_length=100, description="名称")
    kind: BodyKind = Field(description="类型（联盟大会随联盟建立）")
    region: Id = Field(description="所在区域 id")
    cadence: BodyCadence = Field(Cadence.QUARTERLY, description="召开周期")
    quorum_percent: Annotated[int, Field(ge=1, le=100), WHOLE] = Field(
        50, description="法定到会比例（%）"
    )
    majority: BodyMajority = Field(Body.Majority.SIMPLE, description="表决规则")


class MeetingOut(Schema):
    id: int
    body_id: int
    title: str
    scheduled_at: dt.datetime
    place: str
    period_start: dt.date
    status: MeetingStatus
    held_on: dt.date | None
    minutes: str
    agenda: list[str]
    attended_unit_ids: list[int]

    @staticmethod
    def resolve_agenda(obj: Any) -> list[str]:
        return [a.title for a in obj.agenda.all()]

    @staticmethod
    def resolve_attended_unit_ids(obj: Any) -> list[int]:
        return [a.unit_id for a in obj.attendance.all()]


class MeetingPage(Schema):
    items: list[MeetingOut]
    count: int


class MeetingFilters(PageQuery):
    body: Id | None = Field(None, description="联席会议 id")
    status: MeetingStatus | None = Field(None, description="状态")


class MeetingIn(InputSchema):
    title: str = Field(..., max_length=100, description="会议名称")
    scheduled_at: IsoDateTime = Field(description="会议时间（ISO 8601，须带时区）")
    place: str = Field(..., max_length=200, description="会议地点")
    period_start: IsoDate | None = Field(None, description="所属周期内的任一天")
    agenda: list[Annotated[str, Field(max_length=200)]] = Field(
        [], max_length=30, description="议题"
    )


class MeetingActionIn(InputSchema):
    action: Literal["hold", "cancel", "approve"] = Field(description="召开、取消或审定纪要")
    held_on: IsoDate | None = Field(None, description="召开日期（默认今天）")
    reason: str = Field("", max_length=200, description="取消原因")


class MinutesIn(InputSchema):
    minutes: str = Field(..., max_length=20000, description="会议纪要")


class AttendanceIn(InputSchema):
    unit: Id = Field(description="成员单位 id")
    representative: str = Field("", max_length=50, description="参会代表")
    token: str | None = Field(None, max_length=64, description="签到码（扫码签到时必填）")


class AttendanceOut(Schema):
    meeting_id: int
    unit_id: int
    method: AttendanceMethod
    representative: str


class ProposalOut(Schema):
    id: int
    body_id: int
    unit_id: int
    title: str
    content: str
    category: ProposalCategory
    source: ProposalSource
    status: ProposalStatus
    meeting_id: int | None
    merged_into_id: int | None
    decline_reason: str
    need_ids: list[int]

    @staticmethod
    def resolve_need_ids(obj: Any) -> list[int]:
        return [link.need_id for link in obj.need_links.all()]


class ProposalPage(Schema):
    items: list[ProposalOut]
    count: int


class ProposalFilters(PageQuery):
    status: ProposalStatus | None = Field(None, description="状态")
    source: ProposalSource | None = Field(None, description="来源")
    body: Id | None = Field(None, description="联席会议 id")
    q: str | None = Field(None, max_length=100, description="标题或提出单位")


class ProposalIn(InputSchema):
    body: Id = Field(description="提交至联席会议 id")
    unit: Id = Field(description="提出单位 id")
    title: str = Field(..., max_length=100, description="标题")
    content: str = Field(..., max_length=5000, description="内容")
    category: ProposalCategory = Field(description="类别")
    needs: list[Id] = Field([], max_length=50, description="关联需求 id")
    draft: bool = Field(False, description="仅保存草稿")


class ProposalActionIn(InputSchema):
    action: ProposalAction = Field(description="状态变更")
    reason: str = Field("", max_length=200, description="不予受理原因或说明")
    meeting: Id | None = Field(None, description="列入议程的会议 id")
    into: Id | None = Field(None, description="并入的议案 id")


class VoteIn(InputSchema):
    unit: Id = Field(description="表决单位 id")
    choice: VoteChoice = Field(description="赞成、反对或弃权")


class VoteOut(Schema):
    proposal_id: int
    unit_id: int
    choice: VoteChoice


class ResolutionOut(Schema):
    id: int
    proposal_id: int
    body_id: int
    meeting_id: int
    title: str
    adopted_on: dt.date
    status: ResolutionStatus
    implemented_on: dt.date | None


class ResolutionPage(Schema):
    items: list[ResolutionOut]
    count: int


class TaskOut(Schema):
    id: int
    resolution_id: int
    title: str
    unit_id: int | None
    department_id: int | None
    due_on: dt.date
    percent: int
    status: TaskStatus
    done_on: dt.date | None
    verified_on: dt.date | None
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.status == "open" and obj.due_on < timezone.localdate())


class TaskPage(Schema):
    items: list[TaskOut]
    count: int


class TaskFilters(PageQuery):
    status: TaskStatus | None = Field(None, description="状态")
    overdue: bool = Field(False, description="只列逾期")
    mine: bool = Field(False, description="只列本人所代表单位的")


class TaskIn(InputSchema):
    title: str = Field(..., max_length=200, description="任务")
    due_on: IsoDate = Field(description="完成时限")
    unit: Id = Field(description="承办单位 id")


class TaskProgressIn(InputSchema):
    percent: Annotated[int, Field(ge=0, le=100), WHOLE] = Field(description="进度（%）")
    text: str = Field(..., max_length=2000, description="进展说明")
    done: bool = Field(False, description="已完成，提请核验")


class TaskActionIn(InputSchema):
    action: TaskAction = Field(description="核验通过或退回")
    text: str = Field("", max_length=2000, description="意见")


AgreementSide = TypeAliasType(
    "AgreementSide",
    Annotated[AgreementItem.Side, LAX, choices_schema(AgreementItem.Side, "AgreementSide")],
)
AgreementKind = TypeAliasType(
    "AgreementKind",
    Annotated[AgreementItem.Kind, LAX, choices_schema(AgreementItem.Kind, "AgreementKind")],
)
AgreementItemStatus = TypeAliasType(
    "AgreementItemStatus",
    Annotated[
        AgreementItem.Status, LAX, choices_schema(AgreementItem.Status, "AgreementItemStatus")
    ],
)


class AgreementItemOut(Schema):
    id: int
    side: AgreementSide
    kind: AgreementKind
    text: str
    status: AgreementItemStatus


class AgreementOut(Schema):
    id: int
    region_id: int
    party_org_id: int
    unit_id: int
    title: str
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    items: list[AgreementItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())


class AgreementPage(Schema):
    items: list[AgreementOut]
    count: int


class AgreementFilters(PageQuery):
    region: Id | None = Field(None, description="社区/街道 id")
    unit: Id | None = Field(None, description="共建单位 id")


class AgreementItemIn(InputSchema):
    side: AgreementSide = Field(description="承诺方")
    kind: AgreementKind = Field(description="类型")
    text: str = Field(..., max_length=200, description="承诺内容")


class AgreementIn(InputSchema):
    region: Id = Field(description="社区/街道 id")
    party_org: Id = Field(description="签约党组织 id")
    unit: Id = Field(description="共建单位 id")
    title: str = Field(..., max_length=100, description="协议名称")
    signed_on: IsoDate = Field(description="签订日期")
    starts_on: IsoDate = Field(description="期限起")
    ends_on: IsoDate = Field(description="期限止")
    items: list[AgreementItemIn] = Field([], max_length=50, description="承诺事项")


class CadenceQuery(Schema):
    year: int = Field(..., ge=2000, le=2100, description="年份")


class CadenceCellOut(Schema):
    period_start: dt.date
    label: str
    state: CadenceCompliance
    held_on: dt.date | None


class CadenceRowOut(Schema):
    body_id: int
    name: str
    kind: BodyKind
    cells: list[CadenceCellOut]


class CadenceTotalsOut(Schema):
    name: str
    on_time: int
    late: int
    missed: int
    due: int


class CadenceOut(Schema):
    year: int
    rows: list[CadenceRowOut]
    by_kind: list[CadenceTotalsOut]
    by_street: list[CadenceTotalsOut]


class UnitReportOut(Schema):
    unit_id: int
    name: str
    open: int
    done: int
    overdue: int
    attended: int
    expected: int
    attendance_rate: float | None


class KeyCountOut(Schema):
    key: str
    count: int


class ProposalReportOut(Schema):
    by_status: list[KeyCountOut]
    by_source: list[KeyCountOut]
    resolutions: int
    implemented: int
    implemented_on_time: int
