"""Member API routes: the list, the number search, detail, create, update, unmask.

Split from `api.py` (regions, units, Party organizations), whose checks
these share: permission first, then the scope chokepoint, then every id in
the body re-fetched through it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router, Status

from lianjian.core.actors import ActorRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.schemas import PathId
from lianjian.orgs import selectors, services_members
from lianjian.orgs.access import (
    get_member_for_user,
    party_orgs_visible_to,
    residence_regions_for,
    units_visible_to,
)
from lianjian.orgs.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    _bad,
    _filter_params,
    _patch_data,
    _ref,
    _throttled,
)
from lianjian.orgs.conflicts import ConflictThrottled
from lianjian.orgs.models import Member, Region
from lianjian.orgs.schemas import (
    ErrorOut,
    MemberDeactivateIn,
    MemberFilters,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberPatch,
    MemberSearchIn,
    Paging,
    UnmaskIn,
    UnmaskOut,
)
from lianjian.orgs.services import RegistryError

router = Router()


# ---------------------------------------------------------------- members


def _member_refs(request: ActorRequest, data: dict[str, Any]) -> dict[str, Any]:
    perm = "orgs.change_member"
    if "party_org" in data:
        data["party_org"] = _ref(
            request,
            party_orgs_visible_to(request.user, perm),
            data["party_org"],
            "party_org",
            "党组织",
        )
    if data.get("workplace_unit") is not None:
        data["workplace_unit"] = _ref(
            request,
            units_visible_to(request.user, perm),
            data["workplace_unit"],
            "workplace_unit",
            "工作单位",
        )
    if data.get("residence_community") is not None:
        community = _ref(
            request,
            residence_regions_for(request.user, perm),
            data["residence_community"],
            "residence_community",
            "居住社区",
        )
        if community.level != Region.Level.COMMUNITY:
            raise RegistryError("居住社区须选择社区/村一级的区域", "residence_community")
        data["residence_community"] = community
    return data


def _member_detail(pk: int) -> dict[str, Any]:
    return selectors.member_items(Member.objects.filter(pk=pk))[0]


@router.get(
    "/members",
    response={200: MemberPage, 400: ErrorOut, 429: ErrorOut, **READ_ERRORS},
    operation_id="members_list",
    summary="党员列表（身份证号、手机号已脱敏）",
    tags=["党员"],
)
def members_list(request: ActorRequest, filters: Query[MemberFilters]) -> Any:
    ensure_perm(request, "orgs.view_member")
    if filters.q and selectors.member_query_kind(filters.q):
        return Status(400, {"detail": NUMBER_IN_URL, "field": "q"})
    if filters.q:
        limited = _search_limited(request)
        if limited is not None:
            return limited
    qs = selectors.members_filtered(request.user, _filter_params(filters))
    return _member_page(request, qs, filters)


NUMBER_IN_URL = (
    "身份证号、手机号不能放在网址中（网址会留在访问日志里），"
    "请用 POST /api/v1/members/search 在请求体中提交"
)


def _search_limited(request: ActorRequest) -> HttpResponse | None:
    limit, window = selectors.MEMBER_SEARCH_RATE
    return rate_limited(request, "orgs.member_search", limit=limit, window=window)


@router.post(
    "/members/search",
    response={200: MemberPage, 400: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    operation_id="members_search",
    summary="查找党员：姓名，或完整身份证号、手机号（号码在请求体中，不进网址）",
    description="结果与党员列表相同（已脱敏）。翻页：把本页最后一条的 id 作为 before 再次提交。",
    tags=["党员"],
)
def members_search(request: ActorRequest, payload: MemberSearchIn) -> Any:
    ensure_perm(request, "orgs.view_member")
    limited = _search_limited(request)
    if limited is not None:
        return limited
    qs = selectors.members_filtered(request.user, _filter_params(payload))
    return _member_page(request, qs, payload, link_next=False)


def _member_page(
    request: ActorRequest, qs: QuerySet[Member], paging: Paging, *, link_next: bool = True
) -> dict[str, Any]:
    """A page with a bounded count and a cursor link to the next page (GET lists only)."""
    start, limit = paging.offset, paging.limit
    items, count, capped = selectors.member_list_page(qs, start, limit)
    next_url = None
    if link_next and len(items) == limit and (capped or start + limit < count):
        params = request.GET.copy()
        params.pop("offset", None)
        params["before"] = str(items[-1]["id"])
        next_url = f"{request.path}?{params.urlencode()}"
    return {"items": items, "count": count, "count_capped": capped, "next": next_url}


@router.get(
    "/members/{member_id}",
    response={200: MemberOut, **READ_ERRORS},
    operation_id="members_get",
    summary="党员详情（身份证号、手机号已脱敏）",
    tags=["党员"],
)
def members_get(request: ActorRequest, member_id: PathId) -> Any:
    ensure_perm(request, "orgs.view_member")
    member = get_member_for_user(request.user, member_id, request=request)
    return _member_detail(member.pk)


@router.post(
    "/members",
    response={201: MemberOut, 429: ErrorOut, **WRITE_ERRORS},
    operation_id="members_create",
    summary="新增党员",
    tags=["党员"],
)
def members_create(request: ActorRequest, payload: MemberIn, response: HttpResponse) -> Any:
    ensure_perm(request, "orgs.change_member")
    try:
        data = _member_refs(request, payload.dict())
        member = services_members.member_create(actor=request.user, via="api", **data)
    except ConflictThrottled as err:
        return _throttled(err, response)
    except RegistryError as err:
        return _bad(err)
    return Status(201, _member_detail(member.pk))


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, 429: ErrorOut, **WRITE_ERRORS},
    operation_id="members_update",
    summary="修改党员信息",
    tags=["党员"],
)
def members_update(
    request: ActorRequest, member_id: PathId, payload: MemberPatch, response: HttpResponse
) -> Any:
    ensure_perm(request, "orgs.change_member")
    member = get_member_for_user(request.user, member_id, "orgs.change_member", request=request)
    try:
        data = _patch_data(
            payload,
            Member,
            nullable={"workplace_unit", "residence_community", "joined_on"},
            blankable={"mobile", "floating_to", "floating_reason"},
        )
        services_members.member_update(
            member, actor=request.user, via="api", **_member_refs(request, data)
        )
    except ConflictThrottled as err:
        return _throttled(err, response)
    except RegistryError as err:
        return _bad(err)
    return _member_detail(member.pk)


@router.post(
    "/members/{member_id}/deactivate",
    response={200: MemberOut, **WRITE_ERRORS},
    operation_id="members_deactivate",
    summary="党员出党/停用",
    tags=["党员"],
)
def members_deactivate(
    request: ActorRequest, member_id: PathId, payload: MemberDeactivateIn | None = None
) -> Any:
    ensure_perm(request, "orgs.change_member")
    member = get_member_for_user(request.user, member_id, "orgs.change_member", request=request)
    services_members.member_deactivate(
        member, actor=request.user, reason=payload.reason if payload else ""
    )
    return _member_detail(member.pk)


@router.post(
    "/members/{member_id}/unmask",
    response={200: UnmaskOut, 429: ErrorOut, **WRITE_ERRORS},
    operation_id="members_unmask",
    summary="查看党员完整身份证号和手机号（须填写事由，留审计记录）",
    tags=["党员"],
)
def members_unmask(
    request: ActorRequest, member_id: PathId, payload: UnmaskIn, response: HttpResponse
) -> Any:
    ensure_perm(request, "orgs.unmask")
    member = get_member_for_user(request.user, member_id, "orgs.unmask", request=request)
    limit, window = selectors.UNMASK_RATE
    limited = rate_limited(request, "orgs.unmask", limit=limit, window=window)
    if limited is not None:
        return limited
    try:
        values = services_members.member_unmask(
            member, actor=request.user, reason=payload.reason, request=request
        )
    except RegistryError as err:
        return _bad(err)
    response["Cache-Control"] = "no-store"
    return values
