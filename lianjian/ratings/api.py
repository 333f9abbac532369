"""Ratings API routes (`/api/v1/ratings/…`): the same rules as the pages.

Role permission first (403), then the row through `ratings.access` (404
outside scope), then the service; a `RatingError` is a 400 naming its field
(409 for a stale version).
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import PathId
from lianjian.orgs.access import get_in_scope
from lianjian.orgs.models import Region
from lianjian.ratings import access, flow, selectors, services, workflow
from lianjian.ratings.indicators import indicators
from lianjian.ratings.models import Grade, Rating, Round
from lianjian.ratings.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AppealIn,
    ConfirmIn,
    DistributionOut,
    IndicatorOut,
    RatingDetailOut,
    RatingFilters,
    RatingPage,
    ReportFilters,
    ReviewIn,
    RoundIn,
    RoundOut,
    SchemeIn,
    SchemeOut,
    SelfAssessmentIn,
    TrendOut,
)
from lianjian.ratings.selectors import Distribution, DistributionRow
from lianjian.ratings.services import RatingError

router = Router(tags=["分类定级"])
# a route returns `Any`: its body is a status and one of the shapes its `response=` declares,
# and ninja checks it against that schema


def _error(err: RatingError) -> Status[dict[str, str | None]]:
    code = 409 if err.field == "version" else 400
    return Status(code, {"detail": err.message, "field": err.field})


def _detail(rating: Rating) -> Rating:
    return Rating.objects.select_related("party_org").get(pk=rating.pk)


@router.get(
    "/ratings/indicators",
    response={200: list[IndicatorOut], **READ_ERRORS},
    operation_id="ratings_indicators",
    summary="可用于自动计分的数据指标",
)
def ratings_indicators(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, f"{access.MANAGE}|{access.ANY_PERM}")
    return [
        {"key": i.key, "label": i.label, "unit": i.unit, "description": i.description}
        for i in indicators().values()
    ]


# ---------------------------------------------------------------- schemes


@router.get(
    "/ratings/schemes",
    response={200: list[SchemeOut], **READ_ERRORS},
    operation_id="ratings_schemes_list",
    summary="评定方案",
)
def ratings_schemes_list(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, f"{access.MANAGE}|{access.ANY_PERM}")
    return list(access.schemes_visible_to(request.user).order_by("-year")[:100])


@router.get(
    "/ratings/schemes/{scheme_id}",
    response={200: SchemeOut, **READ_ERRORS},
    operation_id="ratings_schemes_get",
    summary="评定方案详情（指标、权重、等次分数线、星级）",
)
def ratings_schemes_get(request: AuthenticatedRequest, scheme_id: PathId) -> Any:
    ensure_perm(request, f"{access.MANAGE}|{access.ANY_PERM}")
    return access.get_scheme_for_user(request.user, scheme_id, request)


@router.post(
    "/ratings/schemes",
    response={201: SchemeOut, **WRITE_ERRORS},
    operation_id="ratings_schemes_create",
    summary="制定评定方案（可同时发布）",
)
def ratings_schemes_create(request: AuthenticatedRequest, payload: SchemeIn) -> Any:
    ensure_perm(request, access.MANAGE)
    districts = access.districts_of(request.user, access.MANAGE)
    district_id = payload.district_id or (next(iter(districts)) if len(districts) == 1 else None)
    if district_id is None:
        return Status(400, {"detail": "请指定区", "field": "district_id"})
    if district_id not in districts:
        return Status(404, {"detail": "未找到该区，或您无权管理", "field": "district_id"})
    district = Region.objects.get(pk=district_id)
    try:
        scheme = services.scheme_build(district=district, data=payload.dict(), actor=request.user)
    except RatingError as err:
        return _error(err)
    return Status(201, scheme)


@router.post(
    "/ratings/schemes/{scheme_id}/publish",
    response={200: SchemeOut, **WRITE_ERRORS},
    operation_id="ratings_schemes_publish",
    summary="发布评定方案",
)
def ratings_schemes_publish(request: AuthenticatedRequest, scheme_id: PathId) -> Any:
    ensure_perm(request, access.MANAGE)
    scheme = access.get_managed_scheme(request.user, scheme_id, request)
    try:
        return services.scheme_publish(scheme, actor=request.user)
    except RatingError as err:
        return _error(err)


@router.post(
    "/ratings/schemes/{scheme_id}/round",
    response={201: RoundOut, **WRITE_ERRORS},
    operation_id="ratings_round_open",
    summary="开始年度定级（为范围内每个党组织建立定级）",
)
def ratings_round_open(request: AuthenticatedRequest, scheme_id: PathId, payload: RoundIn) -> Any:
    ensure_perm(request, access.MANAGE)
    scheme = access.get_managed_scheme(request.user, scheme_id, request)
    try:
        rnd = services.round_open(
            scheme,
            name=payload.name,
            scope=payload.scope,
            self_due=payload.self_due,
            review_due=payload.review_due,
            actor=request.user,
        )
    except RatingError as err:
        return _error(err)
    return Status(201, Round.objects.get(pk=rnd.pk))


# ---------------------------------------------------------------- ratings


@router.get(
    "/ratings/ratings",
    response={200: RatingPage, **READ_ERRORS},
    operation_id="ratings_list",
    summary="党组织定级（可按待办、年度、状态、等次筛选）",
)
def ratings_list(request: AuthenticatedRequest, filters: Query[RatingFilters]) -> Any:
    ensure_perm(request, access.ANY_PERM)
    user = request.user
    queues = {
        "self": selectors.self_assessments_due,
        "review": selectors.reviews_waiting,
        "confirm": selectors.confirmations_waiting,
    }
    if filters.queue:
        qs = queues[filters.queue](user).select_related("party_org")
    else:
        params = filters.dict(exclude_none=True, exclude={"limit", "offset", "queue"})
        qs = selectors.ratings_filtered(user, params)
    qs = qs.order_by("-year", "party_org__sort_key", "pk")
    return {"items": list(qs[filters.offset : filters.offset + filters.limit]), "count": qs.count()}


@router.get(
    "/ratings/ratings/{rating_id}",
    response={200: RatingDetailOut, **READ_ERRORS},
    operation_id="ratings_get",
    summary="定级详情：各指标得分、佐证、意见与流转记录",
)
def ratings_get(request: AuthenticatedRequest, rating_id: PathId) -> Any:
    ensure_perm(request, access.ANY_PERM)
    return access.get_rating_for_user(request.user, rating_id, request)


def _acting(request: AuthenticatedRequest, perm: str, rating_id: int) -> Rating:
    ensure_perm(request, perm)
    return get_in_scope(
        access.ratings_for(request.user, perm), rating_id, user=request.user, request=request
    )


@router.post(
    "/ratings/ratings/{rating_id}/self-assessment",
    response={200: RatingDetailOut, **WRITE_ERRORS},
    operation_id="ratings_self_assess",
    summary="党组织自评（保存或提交街道审核）",
)
def ratings_self_assess(
    request: AuthenticatedRequest, rating_id: PathId, payload: SelfAssessmentIn
) -> Any:
    rating = _acting(request, workflow.SELF_ASSESS, rating_id)
    scores = {
        s.criterion_id: {"score": s.score, "evidence_text": s.evidence_text} for s in payload.scores
    }
    try:
        rating = flow.self_assessment_save(
            rating,
            scores=scores,
            summary=payload.summary,
            actor=request.user,
            version=payload.version,
        )
        if payload.submit:
            rating = flow.rating_submit(rating, actor=request.user)
    except RatingError as err:
        return _error(err)
    return _detail(rating)


@router.post(
    "/ratings/ratings/{rating_id}/review",
    response={200: RatingDetailOut, **WRITE_ERRORS},
    operation_id="ratings_review",
    summary="街道审核（通过报区级确认，或退回修改）",
)
def ratings_review(request: AuthenticatedRequest, rating_id: PathId, payload: ReviewIn) -> Any:
    rating = _acting(request, workflow.REVIEW, rating_id)
    scores = {s.criterion_id: {"score": s.score, "comment": s.comment} for s in payload.scores}
    try:
        rating = flow.rating_review(
            rating,
            scores=scores,
            comment=payload.comment,
            approve=payload.approve,
            actor=request.user,
            version=payload.version,
        )
    except RatingError as err:
        return _error(err)
    return _detail(rating)


@router.post(
    "/ratings/ratings/{rating_id}/confirm",
    response={200: RatingDetailOut, **WRITE_ERRORS},
    operation_id="ratings_confirm",
    summary="区级确认等次（或退回街道复核）；确认后锁定",
)
def ratings_confirm(request: AuthenticatedRequest, rating_id: PathId, payload: ConfirmIn) -> Any:
    rating = _acting(request, workflow.CONFIRM, rating_id)
    try:
        if payload.decision == "send_back":
            rating = flow.rating_send_back(
                rating, note=payload.note, actor=request.user, version=payload.version
            )
        else:
            rating = flow.rating_confirm(
                rating, note=payload.note, actor=request.user, version=payload.version
            )
    except RatingError as err:
        return _error(err)
    return _detail(rating)


@router.post(
    "/ratings/ratings/{rating_id}/appeal",
    response={200: RatingDetailOut, **WRITE_ERRORS},
    operation_id="ratings_appeal",
    summary="对已确认的等次提出申诉",
)
def ratings_appeal(request: AuthenticatedRequest, rating_id: PathId, payload: AppealIn) -> Any:
    rating = _acting(request, workflow.SELF_ASSESS, rating_id)
    try:
        rating = flow.rating_appeal(
            rating, reason=payload.reason, actor=request.user, version=payload.version
        )
    except RatingError as err:
        return _error(err)
    return _detail(rating)


# ---------------------------------------------------------------- reports


def _row(row: DistributionRow) -> dict[str, object]:
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "total": row.total,
        "rated": row.rated,
        **{g.value: row.counts.get(g, 0) for g in Grade},
        "share_good_or_fair": row.share_good_or_fair,
        "five_star": row.five_star,
    }


def _distribution(dist: Distribution) -> dict[str, object]:
    return {
        "year": dist.year,
        "by": dist.by,
        "rows": [_row(r) for r in dist.rows],
        "all": _row(dist.all),
    }


@router.get(
    "/ratings/report/distribution",
    response={200: DistributionOut, **READ_ERRORS},
    operation_id="ratings_report_distribution",
    summary="等次分布（按区、街道或组织类型）与好/较好占比、五星级数",
)
def ratings_report_distribution(
    request: AuthenticatedRequest, filters: Query[ReportFilters]
) -> Any:
    ensure_perm(request, access.REPORT)
    return _distribution(selectors.grade_distribution(request.user, filters.year, filters.by))


@router.get(
    "/ratings/report/trend",
    response={200: list[TrendOut], **READ_ERRORS},
    operation_id="ratings_report_trend",
    summary="历年好/较好占比及较上年变化",
)
def ratings_report_trend(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, access.REPORT)
    return [t.__dict__ for t in selectors.year_over_year(request.user)]


@router.get(
    "/ratings/report/five-star",
    response={200: RatingPage, **READ_ERRORS},
    operation_id="ratings_report_five_star",
    summary="五星级党组织",
)
def ratings_report_five_star(request: AuthenticatedRequest, filters: Query[ReportFilters]) -> Any:
    ensure_perm(request, access.REPORT)
    qs = selectors.five_star_orgs(request.user, filters.year)
    return {"items": list(qs[:100]), "count": qs.count()}
