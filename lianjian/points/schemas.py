"""Schemas of the points API (`points/api.py`): a member's card and ledger, a merchant's check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from typing_extensions import TypeAliasType

from lianjian.core.schemas import (
    LAX,
    WHOLE,
    ErrorOut,
    Id,
    InputSchema,
    IsoDate,
    PageLimit,
    choices_schema,
)
from lianjian.points.models import Card, Entry

READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    429: ErrorOut,
}


class EntryOut(Schema):
    id: int
    points: int
    cause: str = Field(description="事由代码")
    cause_label: str
    on: dt.date
    created_at: dt.datetime = Field(description="记入时间")
    note: str

    @staticmethod
    def resolve_cause_label(obj: Entry) -> str:
        return str(obj.get_cause_display())


CardStatus = TypeAliasType(
    "CardStatus", Annotated[Card.Status, LAX, choices_schema(Card.Status, "CardStatus")]
)


class CardOut(Schema):
    tier: str
    tier_name: str
    status: CardStatus
    valid_until: dt.date
    token: str = Field(description="二维码内容：随机令牌，可更换")


class UseOut(Schema):
    id: int
    shop_name: str
    tier: str
    discount: Decimal
    amount: Decimal | None
    at: dt.datetime


class MeOut(Schema):
    enrolled: bool
    consent_version: str | None
    balance: int
    card: CardOut | None
    entries: list[EntryOut] = Field(description="最新的积分明细（一页）")
    entries_next_before: int | None = Field(
        description="更早的明细：把它作为 /points/me/entries 的 before；空为没有更早的"
    )
    uses: list[UseOut] = Field(description="最新的用卡记录（一页）")
    uses_next_before: int | None = Field(
        description="更早的用卡记录：把它作为 /points/me/uses 的 before；空为没有更早的"
    )


class HistoryQuery(Schema):
    limit: PageLimit = Field(30, description="每页条数（1–100，默认 30）")
    before: Id | None = Field(
        None, description="上一页的 next_before（取更早的记录）；不填为最新一页"
    )


class EntryPage(Schema):
    items: list[EntryOut]
    next_before: int | None = Field(description="下一页（更早）的 before；空为已到最早")
    next: str | None = Field(description="下一页的地址")


class UsePage(Schema):
    items: list[UseOut]
    next_before: int | None = Field(description="下一页（更早）的 before；空为已到最早")
    next: str | None = Field(description="下一页的地址")


class ConsentIn(InputSchema):
    agree: bool = Field(description="true 参加积分计划（同意说明）；false 退出")


class VerifyOut(Schema):
    """What a merchant learns about a card: never ID, phone or a full name."""

    ok: bool
    message: str
    tier: str
    tier_name: str
    discount: Decimal | None
    valid_until: dt.date | None
    masked_name: str


class RedeemIn(InputSchema):
    token: str = Field(min_length=1, max_length=64)
    request_key: str = Field(min_length=1, max_length=64, description="同一请求重复提交只记一次")
    amount: str | None = Field(None, max_length=12, description="消费金额（元，可不填）")


class RedemptionOut(Schema):
    id: int
    tier: str
    discount: Decimal
    amount: Decimal | None
    at: dt.datetime
    created: bool


class TierRowOut(Schema):
    community: str
    gold: int
    silver: int


class TierReportOut(Schema):
    gold: int
    silver: int
    communities: list[TierRowOut]


class MerchantReportOut(Schema):
    merchants: int
    communities: int


class RuleOut(Schema):
    id: int
    name: str
    cause: str
    event_kind: str
    points: int
    period_cap: int | None
    cap_period: str
    valid_from: dt.date
    valid_until: dt.date | None
    street_id: int | None


class RuleIn(InputSchema):
    street_id: Id
    cause: str = Field(max_length=16)
    event_kind: str = Field("", max_length=32)
    name: str = Field(min_length=1, max_length=100)
    points: Annotated[int, WHOLE] = Field(ge=-10000, le=10000)
    period_cap: Annotated[int, Field(ge=1, le=1000000), WHOLE] | None = None
    cap_period: str = Field("year", max_length=8)
    valid_from: IsoDate | None = None


class CertifyIn(InputSchema):
    community_id: Id
    start: IsoDate
    end: IsoDate
    label: str = Field("", max_length=20)


class CertificationOut(Schema):
    id: int
    label: str
    period_start: dt.date
    period_end: dt.date
    gold: int
    silver: int
    certified_at: dt.datetime


class AdjustIn(InputSchema):
    member_id: Id
    points: Annotated[int, WHOLE] = Field(ge=-100000, le=100000)
    reason: str = Field(min_length=1, max_length=200)


class AdjustOut(Schema):
    id: int
    points: int
    balance: int
