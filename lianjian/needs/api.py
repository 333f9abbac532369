"""Needs API: submit (with Idempotency-Key), scoped list and detail, statistics."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status
from ninja.params.functions import Query as QueryParam  # a typed default with constraints

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.schemas import IdempotencyKey, PathId
from lianjian.needs import selectors, services, stats
from lianjian.needs.access import get_need_for_user
from lianjian.needs.models import Need
from lianjian.needs.schemas import (
    ErrorOut,
    NeedFilters,
    NeedIn,
    NeedOut,
    NeedPage,
    StatsBy,
    StatsRow,
)
from lianjian.orgs.access import regions_visible_to, units_visible_to

router = Router(tags=["需求"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


@router.post(
    "/needs",
    response={201: NeedOut, 200: NeedOut, 422: ErrorOut, **ERRORS},
    operation_id="needs_create",
    summary="提交需求（支持 Idempotency-Key 重试）",
    description="带 Idempotency-Key 重试时返回第一次的结果（200，响应头 Idempotent-Replayed: true）；"
    "同一个键配上不同的内容答复 422。",
)
def needs_create(
    request: AuthenticatedRequest,
    response: HttpResponse,
    payload: NeedIn,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    ensure_perm(request, "needs.intake")
    region = regions_visible_to(request.user, "needs.intake").filter(pk=payload.region).first()
    if region is None:
        return Status(400, {"detail": "所选区域不存在或不在您的管理范围内", "field": "region"})
    unit = None
    if payload.unit is not None:
        unit = units_visible_to(request.user, "needs.intake").filter(pk=payload.unit).first()
        if unit is None:
            return Status(400, {"detail": "所选单位不存在或不在您的管理范围内", "field": "unit"})
    try:
        need = services.need_submit(
            channel=payload.channel,
            text=payload.text,
            region=region,
            submitter_kind=payload.submitter_kind,
            submitter_name=payload.submitter_name,
            contact_phone=payload.contact_phone,
            unit=unit,
            actor=request.user,
            idempotency_key=idempotency_key,
            request=request,
        )
    except services.IdempotencyKeyReused as err:
        return Status(422, {"detail": err.message, "field": err.field})
    except services.NeedError as err:
        return Status(400, {"detail": err.message, "field": err.field})
    if getattr(need, "replayed", False):
        response["Idempotent-Replayed"] = "true"
        return Status(200, _need_out(need.pk))
    return Status(201, _need_out(need.pk))


@router.get(
    "/needs", response={200: NeedPage, **ERRORS}, operation_id="needs_list", summary="需求列表"
)
def needs_list(request: AuthenticatedRequest, filters: Query[NeedFilters]) -> Any:
    ensure_perm(request, "needs.view")
    if filters.q:
        limit, window = selectors.NEED_SEARCH_RATE
        limited = rate_limited(request, "needs.search", limit=limit, window=window)
        if limited is not None:
            return limited
    params = filters.dict(exclude_none=True, exclude={"limit", "offset", "overdue"})
    if filters.overdue:
        params["overdue"] = "1"
    qs = selectors.needs_filtered(request.user, params)
    # a district holds 300k needs at city scale: count only so far past this page
    items, count, capped = selectors.need_list_page(qs, filters.offset, filters.limit)
    return {"items": items, "count": count, "count_capped": capped}


@router.get(
    "/needs/stats",
    response={200: list[StatsRow], **ERRORS},
    operation_id="needs_stats",
    summary="需求统计（按部门、类别、街道、社区或渠道）",
)
def needs_stats(request: AuthenticatedRequest, by: StatsBy = "department") -> Any:
    ensure_perm(request, "needs.stats")
    if by not in stats.DIMENSIONS:
        return Status(400, {"detail": "分组维度无效", "field": "by"})
    return stats.need_stats(request.user, dimension=by)


@router.get(
    "/needs/{need_id}",
    response={200: NeedOut, **ERRORS},
    operation_id="needs_get",
    summary="需求详情",
)
def needs_get(request: AuthenticatedRequest, need_id: PathId) -> Any:
    ensure_perm(request, "needs.view")
    need = get_need_for_user(request.user, need_id, request=request)
    return _need_out(need.pk)


def _need_out(pk: int) -> dict[str, Any]:
    return selectors.need_items(Need.objects.filter(pk=pk))[0]


# ---------------------------------------------------------------- working-day calendar
# imported here, not at the top, so this section merges apart from the routes above

from lianjian.needs.calendar.access import (  # noqa: E402
    calendar_regions_visible_to,
    default_calendar_region,
)
from lianjian.needs.calendar.selectors import (  # noqa: E402
    calendar_year,
    official_years,
    place_of_region,
)
from lianjian.needs.schemas import CalendarYearOut  # noqa: E402
from lianjian.orgs.access import get_in_scope  # noqa: E402


@router.get(
    "/calendar/days",
    response={200: CalendarYearOut, **ERRORS},
    operation_id="calendar_days",
    summary="工作日历：某年与周一至周五不同的日期（国家安排加本区、本街道设置）",
)
def calendar_days(
    request: AuthenticatedRequest,
    year: int = QueryParam(..., ge=2000, le=2100, description="年份"),
    region: int | None = QueryParam(
        None, ge=1, le=2**63 - 1, description="区、街道或社区 id；默认为本人所在的区或街道"
    ),
) -> Any:
    ensure_perm(request, "needs.view")
    if region is None:
        where = default_calendar_region(request.user)
    else:
        where = get_in_scope(
            calendar_regions_visible_to(request.user), region, user=request.user, request=request
        )
    place = place_of_region(where)
    items = [
        {
            "date": row.date,
            "is_workday": row.is_workday,
            "source": "local" if row.is_local else "national",
            "level": row.source,
            "region_id": row.region_id,
            "note": row.note,
        }
        for row in calendar_year(year, place)
    ]
    return {
        "year": year,
        "region_id": place.street_id or place.district_id,
        "official": bool(official_years([year])),
        "items": items,
    }
