"""Schemas of the job board API (`jobs/api.py`): filters, bodies and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from typing_extensions import TypeAliasType

from lianjian.core.masking import mask
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
from lianjian.jobs import services
from lianjian.jobs.models import Application, Category, Education, Posting, Resume

JobCategory = TypeAliasType(
    "JobCategory", Annotated[Category, LAX, choices_schema(Category, "JobCategory")]
)
JobEducation = TypeAliasType(
    "JobEducation", Annotated[Education, LAX, choices_schema(Education, "JobEducation")]
)
PostingStatus = TypeAliasType(
    "PostingStatus",
    Annotated[Posting.Status, LAX, choices_schema(Posting.Status, "PostingStatus")],
)
ResumeStatus = TypeAliasType(
    "ResumeStatus", Annotated[Resume.Status, LAX, choices_schema(Resume.Status, "ResumeStatus")]
)
ApplicationStage = TypeAliasType(
    "ApplicationStage",
    Annotated[Application.Stage, LAX, choices_schema(Application.Stage, "ApplicationStage")],
)

# bounded numbers (optional ones keep their bounds on the type, where the spec shows them)
Pay = Annotated[int, Field(ge=0, le=services.MAX_PAY), WHOLE]
Age = Annotated[int, Field(ge=16, le=70), WHOLE]
Year = Annotated[int, Field(ge=1900, le=2100), WHOLE]
PostingCloseStatus = TypeAliasType("PostingCloseStatus", Literal["withdrawn", "filled"])
JobDistance = TypeAliasType("JobDistance", Literal["community", "street", "district"])

READ_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class PostingFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100）")
    offset: PageOffset = Field(0, description="跳过的条数")
    q: str | None = Field(None, max_length=50, description="岗位、企业或技能")
    category: JobCategory | None = Field(None, description="岗位类别")
    pay: Pay | None = Field(None, description="最低月薪（元）")
    distance: JobDistance | None = Field(None, description="本社区、本街道或全区")
    urgent: bool = Field(False, description="只看急聘")


class PostingOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    title: str
    description: str
    category: JobCategory
    openings: int
    pay_min: int
    pay_max: int
    hours: str
    education: JobEducation
    skills: str
    age_min: int | None
    age_max: int | None
    expires_on: dt.date
    urgent: bool
    status: PostingStatus
    review_comment: str
    community_id: int | None

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return str(obj.unit.name)


class PostingPage(Schema):
    items: list[PostingOut]
    count: int


class PostingIn(InputSchema):
    title: str = Field(..., max_length=100)
    description: str = Field(..., max_length=5000)
    category: JobCategory
    openings: Annotated[int, Field(ge=1, le=10_000), WHOLE]
    pay_min: Pay
    pay_max: Pay
    hours: str = Field("", max_length=100)
    education: JobEducation = Education.ANY
    skills: str = Field("", max_length=300)
    age_min: Age | None = None
    age_max: Age | None = None
    contact_name: str = Field(..., max_length=50)
    contact_phone: str = Field(..., max_length=20, description="联系电话（手机号）")
    expires_on: IsoDate
    urgent: bool = False
    submit: bool = Field(False, description="保存后立即提交社区审核")


class PostingCloseIn(InputSchema):
    status: PostingCloseStatus = Field(..., description="withdrawn 撤下，filled 已招满")


class JobReviewIn(InputSchema):
    approve: bool
    comment: str = Field("", max_length=500, description="审核意见（退回时必填）")


class ResumeIn(InputSchema):
    name: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=20)
    birth_year: Year | None = None
    education: JobEducation = Education.ANY
    skills: str = Field("", max_length=300)
    experience: str = Field("", max_length=3000)
    wanted_category: JobCategory
    wanted_pay: Pay = 0


class ResumeOut(Schema):
    id: int
    name: str
    phone_masked: str
    education: JobEducation
    skills: str
    experience: str
    wanted_category: JobCategory
    wanted_pay: int
    status: ResumeStatus
    review_comment: str
    discoverable: bool
    consent_version: str
    consent_at: dt.datetime | None

    @staticmethod
    def resolve_phone_masked(obj: Any) -> str:
        return mask(obj.phone, "mobile")


class ResumeConsentIn(InputSchema):
    discoverable: bool = Field(..., description="是否允许企业查找简历（需同意 consent_text）")


class ResumeConsentOut(Schema):
    discoverable: bool
    consent_version: str
    consent_text: str


class JobApplyIn(InputSchema):
    posting: Id = Field(description="岗位 id")
    note: str = Field("", max_length=300)


class ApplicationOut(Schema):
    id: int
    posting_id: int
    posting_title: str
    stage: ApplicationStage
    hired_on: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def resolve_posting_title(obj: Any) -> str:
        return str(obj.posting.title)


class ApplicantOut(ApplicationOut):
    """An application as its recruiter sees it: the resume, its contact included."""

    name: str
    phone: str
    education: JobEducation
    skills: str
    experience: str
    note: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.resume.name)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return str(obj.resume.phone)

    @staticmethod
    def resolve_education(obj: Any) -> str:
        return str(obj.resume.education)

    @staticmethod
    def resolve_skills(obj: Any) -> str:
        return str(obj.resume.skills)

    @staticmethod
    def resolve_experience(obj: Any) -> str:
        return str(obj.resume.experience)


class ApplicationMoveIn(InputSchema):
    stage: ApplicationStage
    note: str = Field("", max_length=300)
    hired_on: IsoDate | None = None


class JobMatchOut(Schema):
    posting_id: int
    title: str
    score: float
    reasons: str


class JobsReportRowOut(Schema):
    region_id: int
    name: str
    live_postings: int
    enterprises: int
    residents: int
    applications: int
    hires: int


class JobsUnitHiresOut(Schema):
    unit_id: int
    name: str
    hires: int


class JobsReportOut(Schema):
    rows: list[JobsReportRowOut]
    hires: int
    enterprises_hiring: int
    by_unit: list[JobsUnitHiresOut]
