"""API shapes for needs; phones leave only masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel

from lianjian.orgs.schemas import ErrorOut, Paging

__all__ = ["ErrorOut", "NeedFilters", "NeedIn", "NeedOut", "NeedPage", "StatsRow"]


class NeedIn(Schema):
    channel: str = Field("api", description="来源渠道：hotline/window/visit/survey/online/api")
    text: str = Field(..., max_length=2000, description="需求内容")
    region: int = Field(..., description="所在区域（街道、社区或楼宇）id")
    submitter_kind: str = Field("person", description="unit/person/anonymous")
    submitter_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20, description="11 位手机号（匿名可空）")
    unit: int | None = Field(None, description="提出单位 id")


class NeedOut(BaseModel):
    """A need as the API shows it, contact phone masked: built by `selectors.need_items`.

    A plain pydantic model over plain dicts (see `orgs.schemas.MemberOut`).
    """

    id: int
    tracking_code: str
    channel: str
    text: str
    region_id: int
    status: str
    version: int
    category_id: int | None
    department_id: int | None
    proposed_category_id: int | None
    proposed_department_id: int | None
    proposal_confidence: float | None
    deadline: dt.datetime | None
    reply_text: str
    rating: str
    contact_phone: str = Field(description="脱敏后的联系电话")
    created_at: dt.datetime


class NeedPage(Schema):
    items: list[NeedOut]
    count: int = Field(description="总条数；count_capped 为真时表示“至少这么多”")
    count_capped: bool = Field(description="只数到本页之后 1000 条：真表示实际更多")


class NeedFilters(Paging):
    q: str | None = None
    status: str | None = None
    channel: str | None = None
    category: int | None = None
    department: int | None = None
    overdue: str | None = None


class StatsRow(Schema):
    key: Any
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
