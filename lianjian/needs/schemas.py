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
