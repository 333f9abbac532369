"""帮扶对子 API under /api/v1/projects/pairs…: list, create, detail, log a visit, end.

As the other projects routes: the role permission first (403), then the pair
through the scope chokepoint (404: a pair out of scope does not exist for the
caller), then the registration named in the body re-fetched through the
caller's reach (400 with its field). The household's name and note are masked
for whoever is neither the pair's unit nor its community's staff.
"""

from __future__ import annotations

from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import page_and_count
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import ErrorOut, PathId
from lianjian.projects import access, selectors_pairs, services_pairs
from lianjian.projects.api import Refusal, _bad, refusal
from lianjian.projects.models import Pair
from lianjian.projects.schemas import (
    Page,
    PairBody,
    PairDetailBody,
    PairDetailOut,
    PairEndIn,
    PairFilters,
    PairIn,
    PairPage,
    PairVisitIn,
)
from lianjian.projects.services import ProjectError

router = Router(tags=["帮扶对子"])

READ: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITERS = "projects.manage|projects.claim"


def _out(pair: Pair, reach: access.PersonalReach) -> PairBody:
    household = selectors_pairs.household(reach, pair)
    return {
        "id": pair.pk,
        "registration_id": pair.registration_id,
        "party_org_id": pair.party_org_id,
        "party_org_name": pair.party_org.name,
        "community_id": pair.community_id,
        "community_name": pair.region.name,
        "household_name": household.name,
        "household_visible": household.full,
        "people": pair.people,
        "started_on": pair.started_on,
        "ended_on": pair.ended_on,
        "visit_count": getattr(pair, "visit_count", 0),
        "visit_value": float(getattr(pair, "visit_value", 0)),
        "household_note": household.note,
    }


def _detail(request: AuthenticatedRequest, pair: Pair) -> PairDetailBody:
    full, visits = selectors_pairs.pair_detail(request.user, pair)
    return {
        **_out(full, access.PersonalReach(request.user)),
        "visits": [
            {"id": v.pk, "visited_on": v.visited_on, "note": v.note, "value": float(v.value)}
            for v in visits
        ],
    }


@router.get(
    "/projects/pairs",
    response={200: PairPage, **READ},
    operation_id="projects_pairs_list",
    summary="帮扶对子列表（本单位的，或管辖范围内的；含帮扶次数与价值）",
)
def pairs_list(request: AuthenticatedRequest, filters: Query[PairFilters]) -> Page[PairBody]:
    ensure_perm(request, "projects.view")
    qs = selectors_pairs.pairs_filtered(
        request.user, {"community": filters.community, "state": filters.state}
    )
    reach = access.PersonalReach(request.user)
    pairs, count = page_and_count(qs, filters.offset, filters.limit)
    return {"items": [_out(p, reach) for p in pairs], "count": count}


@router.post(
    "/projects/pairs",
    response={201: PairDetailOut, **WRITE},
    operation_id="projects_pairs_create",
    summary="登记帮扶对子（已报到的共建单位与困难家庭结对，须经本人同意）",
)
def pairs_create(
    request: AuthenticatedRequest, payload: PairIn
) -> Status[PairDetailBody] | Refusal:
    ensure_perm(request, WRITERS)
    reg = access.pair_registrations(request.user).filter(pk=payload.registration).first()
    if reg is None:
        return refusal("所选报到不存在、未通过审核或不属于您", "registration")
    data = payload.dict()
    data.pop("registration")
    try:
        pair = services_pairs.pair_create(
            registration=reg, actor=request.user, request=request, **data
        )
    except ProjectError as err:
        return _bad(err)
    return Status(201, _detail(request, pair))


@router.get(
    "/projects/pairs/{pair_id}",
    response={200: PairDetailOut, **READ},
    operation_id="projects_pairs_get",
    summary="帮扶对子详情与帮扶记录（无权查看者的帮扶对象已脱敏）",
)
def pairs_get(request: AuthenticatedRequest, pair_id: PathId) -> PairDetailBody:
    ensure_perm(request, "projects.view")
    return _detail(request, access.get_pair_for_user(request.user, pair_id, request=request))


@router.post(
    "/projects/pairs/{pair_id}/visits",
    response={201: PairDetailOut, **WRITE},
    operation_id="projects_pairs_visit",
    summary="记录一次帮扶（日期、内容、价值）",
)
def pairs_visit(
    request: AuthenticatedRequest, pair_id: PathId, payload: PairVisitIn
) -> Status[PairDetailBody] | Refusal:
    ensure_perm(request, WRITERS)
    pair = access.get_writable_pair(request.user, pair_id, request=request)
    try:
        services_pairs.pair_visit_log(
            pair,
            visited_on=payload.visited_on,
            note=payload.note,
            value=payload.value,
            actor=request.user,
            request=request,
        )
    except ProjectError as err:
        return _bad(err)
    return Status(201, _detail(request, pair))


@router.post(
    "/projects/pairs/{pair_id}/end",
    response={200: PairDetailOut, **WRITE},
    operation_id="projects_pairs_end",
    summary="结束结对（困难情况随即删除）",
)
def pairs_end(
    request: AuthenticatedRequest, pair_id: PathId, payload: PairEndIn
) -> PairDetailBody | Refusal:
    ensure_perm(request, WRITERS)
    pair = access.get_writable_pair(request.user, pair_id, request=request)
    try:
        services_pairs.pair_end(
            pair, ended_on=payload.ended_on, actor=request.user, request=request
        )
    except ProjectError as err:
        return _bad(err)
    return _detail(request, pair)
