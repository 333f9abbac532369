"""API schemas of projects and claiming (the shared types of `lianjian.core.schemas`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypedDict, TypeVar

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from typing_extensions import TypeAliasType

from lianjian.core.masking import mask
from lianjian.core.schemas import (
    LAX,
    WHOLE,
    Count,
    Id,
    InputSchema,
    IsoDate,
    PageLimit,
    PageOffset,
    choices_schema,
)
from lianjian.projects.models import (
    Beneficiary,
    Claim,
    ClaimStatus,
    Item,
    ItemStatus,
    Kind,
    RegStatus,
    ValueKind,
)

ProjectKind = TypeAliasType(
    "ProjectKind", Annotated[Kind, LAX, choices_schema(Kind, "ProjectKind")]
)
ProjectItemStatus = TypeAliasType(
    "ProjectItemStatus", Annotated[ItemStatus, LAX, choices_schema(ItemStatus, "ProjectItemStatus")]
)
ProjectClaimStatus = TypeAliasType(
    "ProjectClaimStatus",
    Annotated[ClaimStatus, LAX, choices_schema(ClaimStatus, "ProjectClaimStatus")],
)
ProjectRegStatus = TypeAliasType(
    "ProjectRegStatus", Annotated[RegStatus, LAX, choices_schema(RegStatus, "ProjectRegStatus")]
)
ProjectValueKind = TypeAliasType(
    "ProjectValueKind", Annotated[ValueKind, LAX, choices_schema(ValueKind, "ProjectValueKind")]
)
YUAN_MAX = Decimal("99999999.99")
_YUAN_TEXT = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
_YUAN_MESSAGE = "应为金额（元），最多两位小数"


def _yuan(value: object) -> Decimal:
    """Yuan with cents, as the schema below says: a number of cents, or its decimal string.

    A JSON number is a float: 0.57 arrives as 0.5700000000000001 and still counts as cents.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(_YUAN_MESSAGE)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # a finite float may still overflow once scaled to cents (1.7e308 * 100 is inf)
        if not math.isfinite(value * 100) or abs(value * 100 - round(value * 100)) > 1e-6:
            raise ValueError(_YUAN_MESSAGE)
        return Decimal(f"{value:.2f}")
    if isinstance(value, str) and re.fullmatch(_YUAN_TEXT, value):
        return Decimal(value)
    raise ValueError(_YUAN_MESSAGE)


# yuan with cents, as a JSON number or a decimal string
Yuan = Annotated[
    Decimal,
    LAX,
    Field(ge=0, le=YUAN_MAX, decimal_places=2),
    BeforeValidator(_yuan),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(YUAN_MAX), "multipleOf": 0.01},
                {"type": "string", "pattern": _YUAN_TEXT},
            ]
        }
    ),
]
# control characters (NUL among them) are refused by the API's input guard, whose pattern
# the spec gives every plain string
Text = Annotated[str, Field(max_length=2000)]


class ItemFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")
    open: bool = Field(
        False, description="只看报到社区中可认领的项目（认领方的手机列表）；否则为管辖范围内的项目"
    )
    status: ProjectItemStatus | None = Field(None, description="状态")
    kind: ProjectKind | None = Field(None, description="类别")
    community: Id | None = Field(None, description="社区 id")


class ItemOut(Schema):
    id: int
    kind: ProjectKind
    title: str
    description: str
    community_id: int | None
    community_name: str
    programme: str
    beneficiary_count: int
    estimated_value: float
    wanted_by: dt.date | None
    capacity: int
    claimed_count: int
    status: ProjectItemStatus
    people_helped: int

    @staticmethod
    def resolve_community_name(obj: Item) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_estimated_value(obj: Item) -> float:
        return float(obj.estimated_value)


class ItemPage(Schema):
    items: list[ItemOut]
    count: int


class BeneficiaryIn(InputSchema):
    name: str = Field(..., max_length=50, description="受益人姓名")
    mobile: str = Field("", max_length=20, description="手机号（可选）")
    consent: bool = Field(description="本人已同意登记（必须为 true）")


class BeneficiaryOut(Schema):
    name: str
    mobile: str

    @staticmethod
    def resolve_name(obj: Beneficiary) -> str:
        return mask(obj.name, "name")

    @staticmethod
    def resolve_mobile(obj: Beneficiary) -> str:
        return mask(obj.mobile, "mobile")


class ItemDetailOut(ItemOut):
    beneficiaries: list[BeneficiaryOut]

    @staticmethod
    def resolve_beneficiaries(obj: Item) -> list[Beneficiary]:
        if getattr(obj, "hide_beneficiaries", False):
            return []
        return list(obj.beneficiaries.filter(consent_withdrawn_at__isnull=True))


class ItemIn(InputSchema):
    community: Id = Field(description="社区 id")
    kind: ProjectKind = Field(description="类别")
    title: str = Field(..., max_length=100, description="标题")
    description: Text = Field("", description="内容")
    programme: str = Field("", max_length=50, description="公益品牌")
    beneficiary_count: Count = Field(0, ge=0, description="受益人数")
    estimated_value: Yuan = Field(Decimal("0"), description="预估价值（元）")
    wanted_by: IsoDate | None = Field(None, description="期望完成日期")
    capacity: Annotated[int, Field(ge=1, le=500), WHOLE] = Field(1, description="认领名额")
    beneficiaries: list[BeneficiaryIn] = Field([], max_length=20, description="具名受益人")
    publish: bool = Field(True, description="立即发布")


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=200, description="原因")


class ClaimIn(InputSchema):
    registration: Id = Field(description="以哪一个报到认领（报到 id）")
    promised_by: IsoDate | None = Field(None, description="承诺完成日期")


class ClaimOut(Schema):
    id: int
    item_id: int
    item_title: str
    kind: ProjectKind
    status: ProjectClaimStatus
    party_org_id: int | None
    member_id: int | None
    claimant_name: str
    promised_by: dt.date
    percent: int
    delivered_value: float
    value_kind: ProjectValueKind
    people_helped: int
    on_time: bool | None
    return_reason: str

    @staticmethod
    def resolve_item_title(obj: Claim) -> str:
        return str(obj.item.title)

    @staticmethod
    def resolve_delivered_value(obj: Claim) -> float:
        return float(obj.delivered_value)


class ClaimPage(Schema):
    items: list[ClaimOut]
    count: int


class ClaimFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数")
    offset: PageOffset = Field(0, description="跳过的条数")
    mine: bool = Field(False, description="只看本人（本单位）的认领")
    status: ProjectClaimStatus | None = Field(None, description="状态")


class ProgressIn(InputSchema):
    text: Text = Field(description="进展情况")
    percent: Annotated[int, Field(ge=0, le=100), WHOLE] = Field(description="完成进度（%）")


class DeliverIn(InputSchema):
    delivered_value: Yuan = Field(description="交付价值（元）")
    value_kind: ProjectValueKind = Field(ValueKind.GOODS, description="价值形式")
    people_helped: Count = Field(ge=0, description="帮扶人数")
    note: Text = Field(description="交付说明")


class RegistrationIn(InputSchema):
    community: Id = Field(description="报到社区 id")
    party_org: Id | None = Field(None, description="报到的党组织 id；不填则以党员本人报到")
    resources: Text = Field("", description="资源清单")
    skills: Text = Field("", description="服务特长")
    needs: Text = Field("", description="需求清单")
    proposals: Text = Field("", description="项目清单")


class DecideIn(InputSchema):
    approve: bool = Field(description="通过（true）或不通过（false）")
    reason: str = Field("", max_length=200, description="不通过的原因")


class RegistrationOut(Schema):
    id: int
    community_id: int | None
    party_org_id: int | None
    member_id: int | None
    registrant_name: str
    status: ProjectRegStatus
    resources: str
    skills: str
    needs: str
    proposals: str
    decline_reason: str


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    count: int


class RegFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数")
    offset: PageOffset = Field(0, description="跳过的条数")
    status: ProjectRegStatus | None = Field(None, description="状态")


class ReportQuery(Schema):
    start: IsoDate | None = Field(None, description="统计期起始日期（默认本年 1 月 1 日）")
    end: IsoDate | None = Field(None, description="统计期截止日期（默认本年 12 月 31 日）")
    programme: str = Field("", max_length=50, description="公益品牌（如 益路同行）")


class ReportRowOut(Schema):
    id: int
    name: str
    published: int
    claimed: int
    delivered: int
    confirmed: int
    on_time_rate: float | None = Field(
        description="按时交付率（百分比，一位小数；尚无确认时为 null）"
    )
    value: float
    people: int
    problems_solved: int
    pairs: int


class ReportOut(Schema):
    start: dt.date
    end: dt.date
    total: ReportRowOut
    rows: list[ReportRowOut]


class UnitRowOut(Schema):
    party_org_id: int
    name: str
    claimed: int
    confirmed: int
    on_time_rate: float | None = Field(
        description="按时交付率（百分比，一位小数；尚无确认时为 null）"
    )
    value: float
    people: int


# ---------------------------------------------------------------- 帮扶对子


class PairFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数")
    offset: PageOffset = Field(0, description="跳过的条数")
    community: Id | None = Field(None, description="社区 id")
    state: Literal["active", "ended"] | None = Field(
        None, description="active：帮扶中；ended：已结束"
    )


class PairIn(InputSchema):
    registration: Id = Field(description="结对单位在该社区的报到 id（已通过审核的党组织报到）")
    household_name: str = Field(..., max_length=50, description="帮扶对象（户主或联系人）")
    people: Annotated[int, Field(ge=1, le=50)] = Field(1, description="家庭人数")
    consent: bool = Field(description="帮扶对象已同意登记（必须为 true）")
    started_on: IsoDate = Field(description="结对日期")
    household_note: Text = Field("", description="困难情况（仅结对单位和所在社区可见）")


class PairVisitIn(InputSchema):
    visited_on: IsoDate = Field(description="帮扶日期（不早于结对日期，不晚于今天）")
    note: Text = Field(description="帮扶内容")
    value: Yuan = Field(Decimal("0"), description="价值（元）")


class PairEndIn(InputSchema):
    ended_on: IsoDate = Field(description="结束日期")


class PairVisitOut(Schema):
    id: int
    visited_on: dt.date
    note: str
    value: float


class PairOut(Schema):
    id: int
    registration_id: int
    party_org_id: int
    party_org_name: str
    community_id: int | None
    community_name: str
    household_name: str = Field(description="帮扶对象（无权查看者为脱敏姓名）")
    household_visible: bool = Field(description="是否可查看帮扶对象的完整信息")
    people: int
    started_on: dt.date
    ended_on: dt.date | None
    visit_count: int
    visit_value: float = Field(description="帮扶价值合计（元）")


class PairDetailOut(PairOut):
    household_note: str = Field(description="困难情况（无权查看者为脱敏占位）")
    visits: list[PairVisitOut]


class PairPage(Schema):
    items: list[PairOut]
    count: int


# ---------------------------------------------------------------- what the routes return
#
# The routes return rows and plain dicts that ninja validates against the schemas above;
# these name their shapes for the type checker.

T = TypeVar("T")


class ErrorBody(TypedDict):
    detail: str
    field: str | None


class Page(TypedDict, Generic[T]):
    items: list[T]
    count: int


class ReportRowBody(TypedDict):
    id: int
    name: str
    published: int
    claimed: int
    delivered: int
    confirmed: int
    on_time_rate: float | None
    value: float
    people: int
    problems_solved: int
    pairs: int


class ReportBody(TypedDict):
    start: dt.date
    end: dt.date
    total: ReportRowBody
    rows: list[ReportRowBody]


class UnitRowBody(TypedDict):
    party_org_id: int
    name: str
    claimed: int
    confirmed: int
    on_time_rate: float | None
    value: float
    people: int


class PairBody(TypedDict):
    id: int
    registration_id: int
    party_org_id: int
    party_org_name: str
    community_id: int | None
    community_name: str
    household_name: str
    household_visible: bool
    people: int
    started_on: dt.date
    ended_on: dt.date | None
    visit_count: int
    visit_value: float
    household_note: str


class PairVisitBody(TypedDict):
    id: int
    visited_on: dt.date
    note: str
    value: float


class PairDetailBody(PairBody):
    visits: list[PairVisitBody]
