"""API schemas for the registries.

Inputs name related objects by id only; the routes re-fetch every id through
the scope chokepoint. Member outputs carry masked personal data (S15): the
full values leave only through the audited unmask endpoint.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeAliasType

from lianjian.core.schemas import (
    LAX,
    BlankAsNone,
    Count,
    Id,
    InputSchema,
    IsoDate,
    PageLimit,
    PageOffset,
    choices_schema,
)
from lianjian.core.schemas import ErrorOut as ErrorOut  # shared by every router
from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.orgs.models import UnitKind as UnitKindChoice

# ---------------------------------------------------------------- shared


class Paging(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")


# ---------------------------------------------------------------- enumerations

# Each named for the spec: several models call their choices Level or Status.
RegionLevel = TypeAliasType(
    "RegionLevel", Annotated[Region.Level, LAX, choices_schema(Region.Level, "RegionLevel")]
)
RegionAreaType = TypeAliasType(
    "RegionAreaType",
    Annotated[Region.AreaType, LAX, choices_schema(Region.AreaType, "RegionAreaType")],
)
UnitKind = TypeAliasType(
    "UnitKind", Annotated[UnitKindChoice, LAX, choices_schema(UnitKindChoice, "UnitKind")]
)
PartyOrgLevel = TypeAliasType(
    "PartyOrgLevel", Annotated[PartyOrg.Level, LAX, choices_schema(PartyOrg.Level, "PartyOrgLevel")]
)
PartyOrgFormation = TypeAliasType(
    "PartyOrgFormation",
    Annotated[PartyOrg.Formation, LAX, choices_schema(PartyOrg.Formation, "PartyOrgFormation")],
)
PartyOrgType = TypeAliasType(
    "PartyOrgType",
    Annotated[PartyOrg.OrgType, LAX, choices_schema(PartyOrg.OrgType, "PartyOrgType")],
)
MemberStatus = TypeAliasType(
    "MemberStatus", Annotated[Member.Status, LAX, choices_schema(Member.Status, "MemberStatus")]
)
MemberGender = TypeAliasType(
    "MemberGender", Annotated[Member.Gender, LAX, choices_schema(Member.Gender, "MemberGender")]
)

# ---------------------------------------------------------------- regions


class RegionFilters(Paging):
    q: str | None = Field(None, description="名称包含")
    level: RegionLevel | None = Field(None, description="层级")
    area_type: RegionAreaType | None = Field(None, description="区域类型")
    parent: Id | None = Field(None, description="上级区域 id（只列直接下级）")
    active: bool | None = Field(None, description="是否有效（默认全部）")


class RegionOut(Schema):
    id: int
    name: str
    level: RegionLevel
    level_display: str
    area_type: RegionAreaType
    code: str
    is_active: bool
    depth: int
    parent_id: int | None
    district_id: int | None
    street_id: int | None
    community_id: int | None

    @staticmethod
    def resolve_level_display(obj: Region) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_parent_id(obj: Region) -> int | None:
        # the nearest stored ancestor is the parent: a row stores every ancestor id
        return obj.community_ref_id or obj.street_ref_id or obj.district_ref_id

    @staticmethod
    def resolve_district_id(obj: Region) -> int | None:
        return obj.ancestor_ids()["district_id"]

    @staticmethod
    def resolve_street_id(obj: Region) -> int | None:
        return obj.ancestor_ids()["street_id"]

    @staticmethod
    def resolve_community_id(obj: Region) -> int | None:
        return obj.ancestor_ids()["community_id"]


class RegionPage(Schema):
    items: list[RegionOut]
    count: int


class RegionIn(InputSchema):
    name: str = Field(description="名称", max_length=100)
    level: RegionLevel = Field(description="层级：street / community / area")
    parent: Id = Field(description="上级区域 id")
    area_type: RegionAreaType = Field(Region.AreaType.RESIDENTIAL, description="区域类型")
    code: str = Field("", max_length=32, description="区划代码")


class RegionPatch(InputSchema):
    name: str | None = Field(None, max_length=100, description="名称")
    area_type: RegionAreaType | None = Field(None, description="区域类型")
    code: str | None = Field(None, max_length=32, description="区划代码")


# ---------------------------------------------------------------- units


class UnitFilters(Paging):
    q: str | None = Field(None, description="名称包含，或完整的统一社会信用代码")
    kind: UnitKind | None = Field(None, description="单位类别")
    industry: str | None = Field(None, description="所属行业")
    is_above_scale: bool | None = Field(None, description="规模以上")
    is_foreign_invested: bool | None = Field(None, description="外资")
    region: Id | None = Field(None, description="只列该区域（含下级）内的单位")
    active: bool | None = Field(None, description="是否有效（默认只列有效单位）")


class UnitOut(Schema):
    id: int
    name: str
    credit_code: str | None
    kind: UnitKind
    kind_display: str
    industry: str
    employees: int
    is_above_scale: bool
    is_foreign_invested: bool
    region_id: int
    region_name: str
    address: str
    liaison_name: str
    registered_on: dt.date | None
    deregistered_on: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_kind_display(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)


class UnitPage(Schema):
    items: list[UnitOut]
    count: int


class UnitIn(InputSchema):
    name: str = Field(max_length=200, description="单位名称")
    kind: UnitKind = Field(description="单位类别")
    region: Id = Field(description="所在区域 id")
    credit_code: str | None = Field(None, max_length=32, description="统一社会信用代码")
    industry: str = Field("", max_length=100)
    employees: Count = Field(0, description="从业人员数")
    is_above_scale: bool = False
    is_foreign_invested: bool = False
    address: str = Field("", max_length=200)
    liaison_name: str = Field("", max_length=50, description="党建指导员/联络员")
    registered_on: IsoDate | None = Field(None, description="成立日期")
    deregistered_on: IsoDate | None = Field(None, description="注销日期")


class UnitPatch(InputSchema):
    """Only the fields sent are changed; null clears the optional ones."""

    name: str | None = Field(None, max_length=200)
    kind: UnitKind | None = Field(None, description="单位类别")
    region: Id | None = Field(None, description="所在区域 id")
    credit_code: str | None = Field(None, max_length=32, description="null 或空串表示清除")
    industry: str | None = Field(None, max_length=100)
    employees: Count | None = Field(None, description="从业人员数")
    is_above_scale: bool | None = None
    is_foreign_invested: bool | None = None
    address: str | None = Field(None, max_length=200)
    liaison_name: str | None = Field(None, max_length=50)
    registered_on: IsoDate | None = Field(None, description="成立日期")
    deregistered_on: IsoDate | None = Field(None, description="注销日期")


class DeactivateIn(InputSchema):
    on: IsoDate | None = Field(None, description="注销/撤销日期（默认今天）")


# ---------------------------------------------------------------- party organizations


class PartyOrgFilters(Paging):
    q: str | None = Field(None, description="名称包含")
    level: PartyOrgLevel | None = Field(None, description="层级")
    formation: PartyOrgFormation | None = Field(None, description="组建方式")
    org_type: PartyOrgType | None = Field(None, description="组织类型")
    region: Id | None = Field(None, description="只列该区域（含下级）内的党组织")
    active: bool | None = Field(None, description="是否有效（默认只列有效组织）")


class PartyOrgOut(Schema):
    id: int
    name: str
    level: PartyOrgLevel
    level_display: str
    formation: PartyOrgFormation
    org_type: PartyOrgType
    region_id: int
    region_name: str
    parent_id: int | None = Field(description="上级党组织 id")
    covered_unit_ids: list[int] = Field(description="当前覆盖的单位 id")
    secretary_name: str
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_level_display(obj: Any) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)


class PartyOrgPage(Schema):
    items: list[PartyOrgOut]
    count: int


class PartyOrgIn(InputSchema):
    name: str = Field(max_length=200, description="组织名称")
    level: PartyOrgLevel = Field(description="层级")
    region: Id = Field(description="所在区域 id")
    parent: Id | None = Field(None, description="上级党组织 id（可空）")
    formation: PartyOrgFormation = Field(PartyOrg.Formation.SINGLE, description="组建方式")
    org_type: PartyOrgType = Field(PartyOrg.OrgType.INDEPENDENT, description="组织类型")
    covered_units: list[Id] = Field(default_factory=list, description="覆盖的单位 id")
    secretary_name: str = Field("", max_length=50, description="书记姓名")
    founded_on: IsoDate | None = Field(None, description="成立日期")


class PartyOrgPatch(InputSchema):
    """Only the fields sent are changed; `covered_units` replaces the open coverage."""

    name: str | None = Field(None, max_length=200)
    level: PartyOrgLevel | None = Field(None, description="层级")
    region: Id | None = Field(None, description="所在区域 id")
    formation: PartyOrgFormation | None = Field(None, description="组建方式")
    org_type: PartyOrgType | None = Field(None, description="组织类型")
    covered_units: list[Id] | None = Field(None, description="覆盖的单位 id")
    secretary_name: str | None = Field(None, max_length=50, description="书记姓名")
    founded_on: IsoDate | None = Field(None, description="成立日期")


# ---------------------------------------------------------------- members


class MemberFilters(Paging):
    q: str | None = Field(
        None,
        max_length=64,
        description="姓名包含。按完整身份证号或手机号查找请用 POST /api/v1/members/search："
        "号码不放进网址，以免留在访问日志中",
    )
    status: MemberStatus | None = Field(None, description="党员类别")
    party_org: Id | None = Field(None, description="所在党组织 id")
    floating: bool | None = Field(None, description="流动党员")
    region: Id | None = Field(None, description="只列该区域（含下级）内的党员")
    active: bool | None = Field(None, description="是否有效（默认只列有效党员）")
    before: Id | None = Field(
        None,
        description="只列 id 小于该值的党员（列表按 id 倒序；游标分页，见返回的 next）",
    )


class MemberSearchIn(MemberFilters):
    model_config = ConfigDict(extra="forbid", strict=True)  # a body, unlike the filters

    q: str = Field(
        ...,
        min_length=1,
        max_length=64,
        description="姓名（包含即可），或完整的身份证号、手机号（精确查找）",
    )


class MemberOut(BaseModel):
    """A member as the API shows it, numbers masked: built by `selectors.member_items`.

    A plain pydantic model over plain dicts: ninja's `Schema` reads its input
    attribute by attribute through a getter, which with model instances behind
    it was a tenth of a member list request.
    """

    id: int
    name: str
    gender: Annotated[MemberGender | None, BlankAsNone] = Field(description="性别（未知时为 null）")
    id_number: str = Field(description="脱敏后的身份证号")
    mobile: str = Field(description="脱敏后的手机号")
    joined_on: dt.date | None
    status: MemberStatus
    status_display: str
    party_org_id: int
    party_org_name: str
    workplace_unit_id: int | None
    workplace_unit_name: str | None
    residence_community_id: int | None
    residence_community_name: str | None
    is_floating: bool
    floating_to: str
    floating_reason: str
    is_active: bool


class MemberPage(Schema):
    """One page of members; the count stops 1000 rows past the page (`count_capped`)."""

    items: list[MemberOut]
    count: int = Field(
        description="符合条件的党员数；只数到本页之后 1000 条（offset+limit+1000），"
        "更多时即为该数，并置 count_capped"
    )
    count_capped: bool = Field(description="为 true 时实际条数多于 count（界面显示为“1000+”）")
    next: str | None = Field(
        description="下一页的地址（游标分页，以 before 接续，深翻页同样快）；没有下一页时为 null"
    )


class MemberIn(InputSchema):
    name: str = Field(max_length=50, description="姓名")
    id_number: str = Field(max_length=32, description="18位身份证号")
    party_org: Id = Field(description="所在党组织 id")
    mobile: str = Field("", max_length=32, description="手机号")
    joined_on: IsoDate | None = Field(None, description="入党日期")
    status: MemberStatus = Field(Member.Status.FULL, description="党员类别")
    workplace_unit: Id | None = Field(None, description="工作单位 id")
    residence_community: Id | None = Field(None, description="居住社区 id")
    is_floating: bool = False
    floating_to: str = Field("", max_length=100)
    floating_reason: str = Field("", max_length=200)


class MemberPatch(InputSchema):
    """Only the fields sent are changed; null clears the optional ones."""

    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=32)
    party_org: Id | None = Field(None, description="所在党组织 id")
    mobile: str | None = Field(None, max_length=32, description="手机号")
    joined_on: IsoDate | None = Field(None, description="入党日期")
    status: MemberStatus | None = Field(None, description="党员类别")
    workplace_unit: Id | None = Field(None, description="工作单位 id")
    residence_community: Id | None = Field(None, description="居住社区 id")
    is_floating: bool | None = None
    floating_to: str | None = Field(None, max_length=100)
    floating_reason: str | None = Field(None, max_length=200)


class MemberDeactivateIn(InputSchema):
    reason: str = Field("", max_length=200, description="原因")


class UnmaskIn(InputSchema):
    reason: str = Field(max_length=200, description="查看完整信息的事由（必填）")


class UnmaskOut(Schema):
    id_number: str
    mobile: str
