"""Schemas of the ratings API (`ratings/api.py`): filters, bodies and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

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
    PageOffset,
    choices_schema,
)
from lianjian.orgs.models import PartyOrg
from lianjian.ratings.models import (
    Criterion,
    CriterionGroup,
    CriterionScore,
    Grade,
    Method,
    Rating,
    RatingEvent,
    RatingStatus,
    Round,
    Scheme,
    StarLevel,
)

RatingGrade = TypeAliasType(
    "RatingGrade", Annotated[Grade, LAX, choices_schema(Grade, "RatingGrade")]
)
RatingState = TypeAliasType(
    "RatingState", Annotated[RatingStatus, LAX, choices_schema(RatingStatus, "RatingState")]
)
CriterionMethod = TypeAliasType(
    "CriterionMethod", Annotated[Method, LAX, choices_schema(Method, "CriterionMethod")]
)
RoundScope = TypeAliasType(
    "RoundScope", Annotated[Round.Scope, LAX, choices_schema(Round.Scope, "RoundScope")]
)
RatedOrgType = TypeAliasType(
    "RatedOrgType",
    Annotated[PartyOrg.OrgType, LAX, choices_schema(PartyOrg.OrgType, "RatedOrgType")],
)
Year = Annotated[int, Field(ge=2000, le=2100), WHOLE]
Score = Annotated[float, Field(ge=0, le=100)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1), WHOLE]
SchemeStatus = TypeAliasType(
    "SchemeStatus",
    Annotated[Scheme.Status, LAX, choices_schema(Scheme.Status, "SchemeStatus")],
)
RoundStatus = TypeAliasType(
    "RoundStatus", Annotated[Round.Status, LAX, choices_schema(Round.Status, "RoundStatus")]
)
RatingDimension = TypeAliasType("RatingDimension", Literal["district", "street", "org_type"])

READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


class IndicatorOut(Schema):
    key: str
    label: str
    unit: str
    description: str


# ---------------------------------------------------------------- schemes


class CriterionIn(InputSchema):
    name: str = Field(max_length=200)
    max_score: Score
    method: CriterionMethod = Method.MANUAL
    indicator: str = Field("", max_length=64, description="数据指标（自动计算时必填）")
    target: float | None = Field(None, ge=0, le=1_000_000, description="满分对应值")
    description: str = Field("", max_length=2000)
    evidence_required: bool = False


class GroupIn(InputSchema):
    name: str = Field(max_length=100)
    weight: Score = Field(description="权重（%），各分组之和为 100")
    criteria: list[CriterionIn] = Field(max_length=50)


class StarIn(InputSchema):
    stars: int = Field(ge=1, le=5)
    min_score: Score


class SchemeIn(InputSchema):
    district_id: Id | None = Field(None, description="区 id（只管理一个区时可省略）")
    year: Year
    name: str = Field(max_length=200)
    good_min: Score = 90
    fair_min: Score = 75
    average_min: Score = 60
    stars: list[StarIn] = Field(default_factory=list, max_length=5)
    groups: list[GroupIn] = Field(max_length=20)
    publish: bool = False


class CriterionOut(Schema):
    id: int
    name: str
    max_score: float
    method: CriterionMethod
    indicator: str
    target: float | None
    evidence_required: bool


class GroupOut(Schema):
    id: int
    name: str
    weight: float
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj: CriterionGroup) -> list[Criterion]:
        return list(obj.criteria.all())


class StarOut(Schema):
    stars: int
    min_score: float


class SchemeOut(Schema):
    id: int
    district_id: int
    year: int
    name: str
    status: SchemeStatus
    good_min: float
    fair_min: float
    average_min: float
    stars: list[StarOut]
    groups: list[GroupOut]

    @staticmethod
    def resolve_stars(obj: Scheme) -> list[StarLevel]:
        return list(obj.star_levels.all())

    @staticmethod
    def resolve_groups(obj: Scheme) -> list[CriterionGroup]:
        return list(obj.groups.prefetch_related("criteria"))


class RoundIn(InputSchema):
    scope: RoundScope = Round.Scope.LIANGXIN
    name: str = Field("", max_length=200)
    self_due: IsoDate | None = None
    review_due: IsoDate | None = None


class RoundOut(Schema):
    id: int
    year: int
    name: str
    scope: RoundScope
    status: RoundStatus
    ratings: int

    @staticmethod
    def resolve_ratings(obj: Round) -> int:
        return int(obj.ratings.count())


# ---------------------------------------------------------------- ratings


class RatingFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100）")
    offset: PageOffset = Field(0, description="跳过的条数")
    year: Year | None = None
    status: RatingState | None = None
    grade: RatingGrade | None = None
    org_type: RatedOrgType | None = None
    street: Id | None = Field(None, description="街道 id")
    party_org: Id | None = Field(None, description="党组织 id（查看其历年定级）")
    q: str | None = Field(None, max_length=50, description="党组织名称")
    queue: Literal["self", "review", "confirm"] | None = Field(
        None, description="待办：待自评、待审核、待确认"
    )


class RatingOut(Schema):
    id: int
    year: int
    party_org_id: int
    party_org_name: str
    org_type: RatedOrgType
    street_id: int | None
    status: RatingState
    self_total: float | None
    total: float | None
    grade: RatingGrade | None
    stars: int
    version: int
    submitted_at: dt.datetime | None
    confirmed_at: dt.datetime | None

    @staticmethod
    def resolve_party_org_name(obj: Rating) -> str:
        return str(obj.party_org.name)

    @staticmethod
    def resolve_grade(obj: Rating) -> str | None:
        return obj.grade or None


class RatingPage(Schema):
    items: list[RatingOut]
    count: int


class ScoreOut(Schema):
    criterion_id: int
    name: str
    group_name: str = Field(description="所属指标组")
    method: CriterionMethod
    max_score: float
    value: float | None
    self_score: float | None
    review_score: float | None
    evidence_text: str
    comment: str
    files: list[str] = Field(description="佐证文件地址")

    @staticmethod
    def resolve_name(obj: CriterionScore) -> str:
        return str(obj.criterion.name)

    @staticmethod
    def resolve_group_name(obj: CriterionScore) -> str:
        return str(obj.criterion.group.name)

    @staticmethod
    def resolve_method(obj: CriterionScore) -> str:
        return str(obj.criterion.method)

    @staticmethod
    def resolve_max_score(obj: CriterionScore) -> float:
        return float(obj.criterion.max_score)

    @staticmethod
    def resolve_files(obj: CriterionScore) -> list[str]:
        return [f"/ratings/evidence/{f.token}/" for f in obj.files.all()]


class RatingEventOut(Schema):
    from_status: str
    to_status: str
    actor_name: str
    note: str
    at: dt.datetime


class RatingDetailOut(RatingOut):
    summary: str
    review_comment: str
    appeal_reason: str
    scores: list[ScoreOut]
    events: list[RatingEventOut]

    @staticmethod
    def resolve_scores(obj: Rating) -> list[CriterionScore]:
        return list(
            obj.scores.select_related("criterion__group")
            .prefetch_related("files")
            .order_by("criterion__group__order", "criterion__order", "criterion_id")
        )

    @staticmethod
    def resolve_events(obj: Rating) -> list[RatingEvent]:
        return list(obj.events.all())


class SelfScoreIn(InputSchema):
    criterion_id: Id
    score: Score | None = None
    evidence_text: str = Field("", max_length=2000)


class SelfAssessmentIn(InputSchema):
    scores: list[SelfScoreIn] = Field(default_factory=list, max_length=100)
    summary: str | None = Field(None, max_length=4000)
    submit: bool = Field(False, description="保存后提交街道审核")
    version: Version | None = None


class ReviewScoreIn(InputSchema):
    criterion_id: Id
    score: Score | None = None
    comment: str = Field("", max_length=2000)


class ReviewIn(InputSchema):
    scores: list[ReviewScoreIn] = Field(default_factory=list, max_length=100)
    comment: str = Field("", max_length=2000)
    approve: bool = Field(True, description="通过报区级确认；否则退回修改（须填意见）")
    version: Version | None = None


class ConfirmIn(InputSchema):
    decision: Literal["confirm", "send_back"] = "confirm"
    note: str = Field("", max_length=2000)
    version: Version | None = None


class AppealIn(InputSchema):
    reason: str = Field(max_length=2000)
    version: Version | None = None


# ---------------------------------------------------------------- reports


class DistributionRowOut(Schema):
    key: str | None
    label: str
    total: int
    rated: int
    good: int
    fair: int
    average: int
    poor: int
    share_good_or_fair: float | None = Field(description="好/较好占已确认的百分比（一位小数）")
    five_star: int


class DistributionOut(Schema):
    year: int
    by: RatingDimension
    rows: list[DistributionRowOut]
    all: DistributionRowOut


class TrendOut(Schema):
    year: int
    rated: int
    good_or_fair: int
    share: float | None
    five_star: int
    change: float | None = Field(description="较上年变化（百分点）")


class ReportFilters(Schema):
    year: Year
    by: RatingDimension = "street"
