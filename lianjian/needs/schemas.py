"""API shapes for needs; phones leave only masked."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BaseModel
from typing_extensions import TypeAliasType

from lianjian.core.schemas import LAX, BlankAsNone, Id, InputSchema, choices_schema
from lianjian.needs.models import Channel, Rating, Status, SubmitterKind
from lianjian.orgs.schemas import ErrorOut, Paging

__all__ = ["ErrorOut", "NeedFilters", "NeedIn", "NeedOut", "NeedPage", "StatsBy", "StatsRow"]

NeedChannel = TypeAliasType(
    "NeedChannel", Annotated[Channel, LAX, choices_schema(Channel, "NeedChannel")]
)
NeedSubmitterKind = TypeAliasType(
    "NeedSubmitterKind",
    Annotated[SubmitterKind, LAX, choices_schema(SubmitterKind, "NeedSubmitterKind")],
)
NeedStatus = TypeAliasType(
    "NeedStatus", Annotated[Status, LAX, choices_schema(Status, "NeedStatus")]
)
NeedRating = TypeAliasType(
    "NeedRating", Annotated[Rating, LAX, choices_schema(Rating, "NeedRating")]
)

# the dimensions `stats.need_stats` groups by (`stats.DIMENSIONS`; a test compares)
StatsBy = TypeAliasType(
    "StatsBy", Literal["department", "category", "street", "community", "channel"]
)


class NeedIn(InputSchema):
    channel: NeedChannel = Field(Channel.API, description="来源渠道")
    text: str = Field(..., max_length=2000, description="需求内容")
    region: Id = Field(..., description="所在区域（街道、社区或楼宇）id")
    submitter_kind: NeedSubmitterKind = Field(SubmitterKind.PERSON, description="提出人类型")
    submitter_name: str = Field("", max_length=50, description="提出人姓名或单位名称")
    contact_phone: str = Field("", max_length=20, description="联系电话：11 位手机号（匿名可空）")
    unit: Id | None = Field(None, description="提出单位 id")


class NeedOut(BaseModel):
    """A need as the API shows it, contact phone masked: built by `selectors.need_items`.

    A plain pydantic model over plain dicts (see `orgs.schemas.MemberOut`).
    """

    id: int
    tracking_code: str
    channel: NeedChannel
    text: str
    region_id: int
    status: NeedStatus
    version: int
    category_id: int | None
    department_id: int | None
    proposed_category_id: int | None
    proposed_department_id: int | None
    proposal_confidence: float | None
    deadline: dt.datetime | None
    reply_text: str
    rating: Annotated[NeedRating | None, BlankAsNone] = Field(
        description="满意度（未评价时为 null）"
    )
    contact_phone: str = Field(description="脱敏后的联系电话")
    created_at: dt.datetime


class NeedPage(Schema):
    items: list[NeedOut]
    count: int = Field(description="总条数；count_capped 为真时表示“至少这么多”")
    count_capped: bool = Field(description="只数到本页之后 1000 条：真表示实际更多")


class NeedFilters(Paging):
    q: str | None = Field(None, description="需求内容包含，或完整的查询码")
    status: NeedStatus | None = Field(None, description="状态")
    channel: NeedChannel | None = Field(None, description="来源渠道")
    category: Id | None = Field(None, description="类别 id")
    department: Id | None = Field(None, description="承办部门 id")
    overdue: bool | None = Field(None, description="只列逾期未答复的需求")


class StatsRow(Schema):
    key: int | str | None = Field(
        description="分组键：部门、类别、街道、社区的 id，或来源渠道代码；null 表示未分派"
    )
    label: str
    received: int
    replied: int
    on_time_rate: float | None
    overdue: int
    avg_reply_hours: float | None
    rated: int
    satisfaction_rate: float | None
    reopened: int
    reopen_rate: float | None


# ---------------------------------------------------------------- working-day calendar

from typing import Literal  # noqa: E402


class CalendarDayOut(Schema):
    date: dt.date
    is_workday: bool = Field(description="真：上班（调休上班日）；假：休息（节假日）")
    source: Literal["national", "local"] = Field(
        description="national：国务院公布的安排；local：区或街道自行设置"
    )
    level: Literal["national", "district", "street"] = Field(description="设置所在层级")
    region_id: int | None = Field(description="设置该日的区或街道 id；国家安排为空")
    note: str


class CalendarYearOut(Schema):
    year: int
    region_id: int | None = Field(description="按哪个区或街道的日历列出（国家安排加该区、街道）")
    official: bool = Field(description="该年的国家节假日安排是否已载入")
    items: list[CalendarDayOut] = Field(description="与周一至周五不同的日期")
