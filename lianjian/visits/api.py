"""Visit API routes: ledger list/detail/create, raise a need, coverage, cross-appointment.

Same pattern as the registry API: role permission first (403), then the row
through the scope chokepoint (404), then every id named in the body
re-fetched through the chokepoint with the permission of the operation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from typing_extensions import TypeAliasType

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.periods import parse_period
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import (
    LAX,
    ErrorOut,
    Id,
    InputSchema,
    IsoDate,
    PageLimit,
    PageOffset,
    PathId,
    choices_schema,
)
from lianjian.orgs.access import get_in_scope, get_region_for_user, party_orgs_visible_to
from lianjian.visits import access, selectors, services
from lianjian.visits.models import Visit
from lianjian.visits.services import VisitError

router = Router(tags=["走访"])

VisitMethod = TypeAliasType(
    "VisitMethod", Annotated[Visit.Method, LAX, choices_schema(Visit.Method, "VisitMethod")]
)
VisitFollowUp = TypeAliasType(
    "VisitFollowUp", Annotated[Visit.FollowUp, LAX, choices_schema(Visit.FollowUp, "VisitFollowUp")]
)
# `selectors.org_kind`: building, residential or any other Party organization
OrgKind = TypeAliasType("OrgKind", Literal["building", "residential", "other"])
CoverageGroup = TypeAliasType("CoverageGroup", Literal["street", "community"])


READ_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class VisitFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")
    q: str | None = Field(None, description="单位名称或走访人员")
    start: IsoDate | None = Field(None, description="走访日期不早于")
    end: IsoDate | None = Field(None, description="走访日期不晚于")
    follow_up_status: VisitFollowUp | None = Field(None, description="跟进状态")
    unit: Id | None = Field(None, description="走访单位 id")
    cadre: Id | None = Field(None, description="走访干部 id")
    region: Id | None = Field(None, description="区域 id（含下级）")


class VisitOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    visited_on: dt.date
    method: VisitMethod
    visitors: str
    cadre_id: int | None
    party_org_id: int | None
    findings: str
    follow_up: str
    follow_up_status: VisitFollowUp
    need_ids: list[int]

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return str(obj.unit.name)

    @staticmethod
    def resolve_need_ids(obj: Any) -> list[int]:
        return [link.need_id for link in obj.need_links.all()]


class VisitPage(Schema):
    items: list[VisitOut]
    count: int


class VisitIn(InputSchema):
    unit: Id = Field(description="走访单位 id")
    visited_on: IsoDate = Field(description="走访日期")
    visitors: str = Field(..., max_length=200, description="走访人员")
    findings: str = Field(..., max_length=5000, description="走访发现")
    method: VisitMethod = Field(Visit.Method.ON_SITE, description="走访方式")
    follow_up: str = Field("", max_length=2000, description="跟进事项")
    follow_up_status: VisitFollowUp = Field(Visit.FollowUp.NONE, description="跟进状态")
    cadre: Id | None = Field(None, description="走访干部 id")
    party_org: Id | None = Field(None, description="党组织 id")


class RaiseNeedIn(InputSchema):
    text: str = Field(..., max_length=2000, description="需求内容")
    contact_phone: str = Field(..., max_length=20, description="联系电话")
    submitter_name: str = Field("", max_length=50, description="提出人")


class RaisedNeedOut(Schema):
    need_id: int
    tracking_code: str
    category_id: int | None
    department_id: int | None


class PeriodQuery(Schema):
    start: IsoDate | None = Field(None, description="统计期起始日期")
    end: IsoDate | None = Field(None, description="统计期截止日期")


class CoverageQuery(PeriodQuery):
    region: Id | None = Field(None, description="区域 id")
    group: CoverageGroup = Field("street", description="按街道或社区分组")


class CoverageRowOut(Schema):
    region_id: int | None
    name: str
    units: int
    visited: int
    rate: float | None = Field(description="走访覆盖率（百分比，保留一位小数；无单位时为 null）")


class CoverageOut(Schema):
    start: dt.date
    end: dt.date
    units: int
    visited: int
    visits: int
    rate: float | None = Field(description="走访覆盖率（百分比，保留一位小数；无单位时为 null）")
    rows: list[CoverageRowOut]


class CrossQuery(PeriodQuery):
    cross: bool = Field(False, description="只返回交叉任职干部")


class PostOut(Schema):
    party_org_id: int
    party_org_name: str
    title: str
    since: dt.date
    until: dt.date | None


class CadreRowOut(Schema):
    cadre_id: int
    name: str
    cross_appointed: bool
    visits: int
    needs: int
    posts: list[PostOut]


class OrgRowOut(Schema):
    party_org_id: int
    name: str
    kind: OrgKind
    visits: int
    via_cadres: int
    needs: int


class CrossOut(Schema):
    start: dt.date
    end: dt.date
    cadres: list[CadreRowOut]
    orgs: list[OrgRowOut]


def _period(query: PeriodQuery) -> tuple[dt.date, dt.date]:
    try:
        return parse_period({"start": query.start, "end": query.end})
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def _ref(request: AuthenticatedRequest, qs: Any, pk: Any, field: str, label: str) -> Any:
    try:
        return get_in_scope(qs, pk, user=request.user, request=request)
    except Http404:
        raise VisitError(f"所选{label}不存在或不在您的管理范围内", field) from None


@router.get(
    "/visits/coverage",
    response={200: CoverageOut, **READ_ERRORS},
    operation_id="visits_coverage",
    summary="两新组织走访覆盖率",
)
def visits_coverage(request: AuthenticatedRequest, query: Query[CoverageQuery]) -> Any:
    ensure_perm(request, "visits.view")
    start, end = _period(query)
    region = (
        get_region_for_user(request.user, query.region, "visits.view", request=request)
        if query.region
        else None
    )
    report = selectors.visit_coverage(request.user, start, end, region=region, group=query.group)
    return {
        "start": report.start,
        "end": report.end,
        "units": report.units,
        "visited": report.visited,
        "visits": report.visits,
        "rate": report.rate,
        "rows": [
            {
                "region_id": r.region_id,
                "name": r.name,
                "units": r.units,
                "visited": r.visited,
                "rate": r.rate,
            }
            for r in report.rows
        ],
    }


@router.get(
    "/visits/cross-appointments",
    response={200: CrossOut, **READ_ERRORS},
    operation_id="visits_cross_appointments",
    summary="交叉任职干部及按党组织汇总的走访与需求",
)
def visits_cross_appointments(request: AuthenticatedRequest, query: Query[CrossQuery]) -> Any:
    ensure_perm(request, "visits.view")
    start, end = _period(query)
    report = selectors.cross_appointment_report(request.user, start, end, only_cross=query.cross)
    return {
        "start": report.start,
        "end": report.end,
        "cadres": [
            {
                "cadre_id": row.cadre.pk,
                "name": row.cadre.name,
                "cross_appointed": row.cross_appointed,
                "visits": row.visits,
                "needs": row.needs,
                "posts": [
                    {
                        "party_org_id": p.party_org_id,
                        "party_org_name": p.party_org.name,
                        "title": p.title,
                        "since": p.since,
                        "until": p.until,
                    }
                    for p in row.posts
                ],
            }
            for row in report.cadres
        ],
        "orgs": [
            {
                "party_org_id": row.party_org.pk,
                "name": row.party_org.name,
                "kind": row.kind,
                "visits": row.visits,
                "via_cadres": row.via_cadres,
                "needs": row.needs,
            }
            for row in report.orgs
        ],
    }


@router.get(
    "/visits",
    response={200: VisitPage, **READ_ERRORS},
    operation_id="visits_list",
    summary="走访台账",
)
def visits_list(request: AuthenticatedRequest, filters: Query[VisitFilters]) -> Any:
    ensure_perm(request, "visits.view")
    params = filters.dict(exclude_none=True, exclude={"limit", "offset"})
    qs = selectors.visits_filtered(request.user, params).prefetch_related("need_links")
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"items": items, "count": qs.count()}


@router.get(
    "/visits/{visit_id}",
    response={200: VisitOut, **READ_ERRORS},
    operation_id="visits_get",
    summary="走访详情",
)
def visits_get(request: AuthenticatedRequest, visit_id: PathId) -> Any:
    ensure_perm(request, "visits.view")
    return access.get_visit_for_user(request.user, visit_id, request=request)


@router.post(
    "/visits",
    response={201: VisitOut, **WRITE_ERRORS},
    operation_id="visits_create",
    summary="登记走访",
)
def visits_create(request: AuthenticatedRequest, payload: VisitIn) -> Any:
    ensure_perm(request, "visits.record")
    user = request.user
    try:
        data = payload.dict()
        data["unit"] = _ref(
            request, selectors.unit_choices_for_record(user), data["unit"], "unit", "走访单位"
        )
        if data["cadre"] is not None:
            data["cadre"] = _ref(
                request,
                access.cadres_visible_to(user, "visits.record"),
                data["cadre"],
                "cadre",
                "走访干部",
            )
        if data["party_org"] is not None:
            data["party_org"] = _ref(
                request,
                party_orgs_visible_to(user, "visits.record"),
                data["party_org"],
                "party_org",
                "党组织",
            )
        visit = services.visit_record(actor=user, request=request, **data)
    except VisitError as err:
        return Status(400, {"detail": err.message, "field": err.field})
    return Status(201, visit)


@router.post(
    "/visits/{visit_id}/needs",
    response={201: RaisedNeedOut, **WRITE_ERRORS},
    operation_id="visits_raise_need",
    summary="由走访提出需求",
)
def visits_raise_need(request: AuthenticatedRequest, visit_id: PathId, payload: RaiseNeedIn) -> Any:
    ensure_perm(request, "visits.record")
    visit = access.get_visit_for_user(request.user, visit_id, "visits.record", request=request)
    try:
        need = services.visit_raise_need(
            visit, actor=request.user, request=request, **payload.dict()
        )
    except VisitError as err:
        return Status(400, {"detail": err.message, "field": err.field})
    return Status(
        201,
        {
            "need_id": need.pk,
            "tracking_code": need.tracking_code,
            "category_id": need.category_id,
            "department_id": need.department_id,
        },
    )
