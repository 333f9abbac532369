"""Projects API under /api/v1/projects/…: items, claims, delivery, 双报到, reports.

Role permission first (403), then the row through the scope chokepoint (404),
then every id named in the body re-fetched through it. A claim is
idempotent by nature: a second claim by the same registrant returns the first.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import page_and_count
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import ErrorOut, PathId
from lianjian.orgs.access import get_in_scope
from lianjian.projects import access, selectors, services, services_delivery, services_reg
from lianjian.projects.models import Claim, Item, Registration
from lianjian.projects.schemas import (
    ClaimFilters,
    ClaimIn,
    ClaimOut,
    ClaimPage,
    DecideIn,
    DeliverIn,
    ErrorBody,
    ItemDetailOut,
    ItemFilters,
    ItemIn,
    ItemPage,
    Page,
    ProgressIn,
    ReasonIn,
    RegFilters,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    ReportBody,
    ReportOut,
    ReportQuery,
    ReportRowBody,
    UnitRowBody,
    UnitRowOut,
)
from lianjian.projects.selectors import Row
from lianjian.projects.services import ProjectError

router = Router(tags=["项目认领"])

READ: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
# a refusal with its field: 400 `{"detail": ..., "field": ...}`
Refusal = Status[ErrorBody]


def _bad(err: ProjectError) -> Refusal:
    return refusal(err.message, err.field)


def refusal(detail: str, field: str | None) -> Refusal:
    return Status(400, {"detail": detail, "field": field})


def _item(pk: int) -> Item:
    return Item.objects.select_related("region").prefetch_related("beneficiaries").get(pk=pk)


# ---------------------------------------------------------------- items


@router.get(
    "/projects/items",
    response={200: ItemPage, **READ},
    operation_id="projects_items_list",
    summary="项目列表（管辖范围内，或 open=true 时报到社区中可认领的项目）",
)
def items_list(request: AuthenticatedRequest, filters: Query[ItemFilters]) -> Page[Item]:
    ensure_perm(request, "projects.view")
    if filters.open:
        qs = selectors.open_items_for_claimant(request.user)
    else:
        qs = access.items_visible_to(request.user).select_related("region").order_by("-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    items, count = page_and_count(qs, filters.offset, filters.limit)
    return {"items": items, "count": count}


@router.get(
    "/projects/items/{item_id}",
    response={200: ItemDetailOut, **READ},
    operation_id="projects_items_get",
    summary="项目详情（受益人信息已脱敏）",
)
def items_get(request: AuthenticatedRequest, item_id: PathId) -> Item:
    ensure_perm(request, "projects.view")
    item = access.get_item_for_user(request.user, item_id, request=request)
    full = _item(item.pk)
    # named beneficiaries are for the community's staff only, masked even then
    managed = access.items_managed_by(request.user).filter(pk=item.pk).exists()
    full.hide_beneficiaries = not managed  # type: ignore[attr-defined]
    return full


@router.post(
    "/projects/items",
    response={201: ItemDetailOut, **WRITE},
    operation_id="projects_items_create",
    summary="发布项目（公益项目、微心愿、难题、服务岗位）",
)
def items_create(request: AuthenticatedRequest, payload: ItemIn) -> Status[Item] | Refusal:
    ensure_perm(request, "projects.manage")
    communities = selectors.report_communities(request.user, perm=access.MANAGE)
    region = communities.filter(pk=payload.community).first()
    if region is None:
        return refusal("所选社区不存在或不在您的管理范围内", "community")
    data = payload.dict()
    data.pop("community")
    publish_now = data.pop("publish")
    try:
        item = services.item_create(
            region=region, publish_now=publish_now, actor=request.user, request=request, **data
        )
    except ProjectError as err:
        return _bad(err)
    return Status(201, _item(item.pk))


def _item_action(
    request: AuthenticatedRequest, item_id: int, action: str, reason: str = ""
) -> Item | Refusal:
    ensure_perm(request, "projects.manage")
    item = access.get_managed_item(request.user, item_id, request=request)
    try:
        if action == "publish":
            services.item_publish(item, actor=request.user, request=request)
        elif action == "withdraw":
            services.item_withdraw(item, reason=reason, actor=request.user, request=request)
        else:
            services.item_close(item, actor=request.user, request=request)
    except ProjectError as err:
        return _bad(err)
    return _item(item.pk)


@router.post(
    "/projects/items/{item_id}/publish",
    response={200: ItemDetailOut, **WRITE},
    operation_id="projects_items_publish",
    summary="发布草稿",
)
def items_publish(request: AuthenticatedRequest, item_id: PathId) -> Item | Refusal:
    return _item_action(request, item_id, "publish")


@router.post(
    "/projects/items/{item_id}/withdraw",
    response={200: ItemDetailOut, **WRITE},
    operation_id="projects_items_withdraw",
    summary="撤回项目（尚无人认领时）",
)
def items_withdraw(
    request: AuthenticatedRequest, item_id: PathId, payload: ReasonIn
) -> Item | Refusal:
    return _item_action(request, item_id, "withdraw", payload.reason)


@router.post(
    "/projects/items/{item_id}/close",
    response={200: ItemDetailOut, **WRITE},
    operation_id="projects_items_close",
    summary="结项（剩余名额不再认领）",
)
def items_close(request: AuthenticatedRequest, item_id: PathId) -> Item | Refusal:
    return _item_action(request, item_id, "close")


# ---------------------------------------------------------------- claims


@router.post(
    "/projects/items/{item_id}/claims",
    response={201: ClaimOut, **WRITE},
    operation_id="projects_claims_create",
    summary="认领项目（同一报到重复认领返回第一次的认领）",
)
def claims_create(
    request: AuthenticatedRequest, item_id: PathId, payload: ClaimIn
) -> Status[Claim] | Refusal:
    ensure_perm(request, "projects.claim")
    item = access.get_item_for_user(request.user, item_id, request=request)
    reg = access.registrations_acting_for(request.user).filter(pk=payload.registration).first()
    if reg is None:
        return refusal("所选报到不存在或不属于您", "registration")
    try:
        claim = services.claim_create(
            item,
            registration=reg,
            promised_by=payload.promised_by,
            actor=request.user,
            request=request,
        )
    except ProjectError as err:
        return _bad(err)
    return Status(201, claim)


@router.get(
    "/projects/claims",
    response={200: ClaimPage, **READ},
    operation_id="projects_claims_list",
    summary="认领列表",
)
def claims_list(request: AuthenticatedRequest, filters: Query[ClaimFilters]) -> Page[Claim]:
    ensure_perm(request, "projects.view")
    qs = (
        access.claims_acting_for(request.user)
        if filters.mine
        else access.claims_visible_to(request.user)
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.select_related("item", "party_org", "member").order_by("-id")
    items, count = page_and_count(qs, filters.offset, filters.limit)
    return {"items": items, "count": count}


@router.get(
    "/projects/claims/{claim_id}",
    response={200: ClaimOut, **READ},
    operation_id="projects_claims_get",
    summary="认领详情",
)
def claims_get(request: AuthenticatedRequest, claim_id: PathId) -> Claim:
    ensure_perm(request, "projects.view")
    return access.get_claim_for_user(request.user, claim_id, request=request)


def _own(request: AuthenticatedRequest, claim_id: int) -> Claim:
    ensure_perm(request, "projects.claim")
    return access.get_own_claim(request.user, claim_id, request=request)


def _managed(request: AuthenticatedRequest, claim_id: int) -> Claim:
    ensure_perm(request, "projects.manage")
    return access.get_managed_claim(request.user, claim_id, request=request)


def _fresh(claim: Claim) -> Claim:
    return Claim.objects.select_related("item", "party_org", "member").get(pk=claim.pk)


@router.post(
    "/projects/claims/{claim_id}/progress",
    response={200: ClaimOut, **WRITE},
    operation_id="projects_claims_progress",
    summary="报告进展（照片请用手机页面上传）",
)
def claims_progress(
    request: AuthenticatedRequest, claim_id: PathId, payload: ProgressIn
) -> Claim | Refusal:
    claim = _own(request, claim_id)
    try:
        services_delivery.progress_report(
            claim, text_=payload.text, percent=payload.percent, actor=request.user, request=request
        )
    except ProjectError as err:
        return _bad(err)
    return _fresh(claim)


@router.post(
    "/projects/claims/{claim_id}/deliver",
    response={200: ClaimOut, **WRITE},
    operation_id="projects_claims_deliver",
    summary="报告交付：价值（元）与帮扶人数",
)
def claims_deliver(
    request: AuthenticatedRequest, claim_id: PathId, payload: DeliverIn
) -> Claim | Refusal:
    claim = _own(request, claim_id)
    try:
        services_delivery.claim_deliver(
            claim,
            delivered_value=payload.delivered_value,
            value_kind=payload.value_kind,
            people_helped=payload.people_helped,
            note=payload.note,
            actor=request.user,
            request=request,
        )
    except ProjectError as err:
        return _bad(err)
    return _fresh(claim)


@router.post(
    "/projects/claims/{claim_id}/withdraw",
    response={200: ClaimOut, **WRITE},
    operation_id="projects_claims_withdraw",
    summary="退出认领（开始实施前）",
)
def claims_withdraw(request: AuthenticatedRequest, claim_id: PathId) -> Claim | Refusal:
    claim = _own(request, claim_id)
    try:
        services.claim_withdraw(claim, actor=request.user, request=request)
    except ProjectError as err:
        return _bad(err)
    return _fresh(claim)


@router.post(
    "/projects/claims/{claim_id}/confirm",
    response={200: ClaimOut, **WRITE},
    operation_id="projects_claims_confirm",
    summary="社区确认交付",
)
def claims_confirm(request: AuthenticatedRequest, claim_id: PathId) -> Claim | Refusal:
    claim = _managed(request, claim_id)
    try:
        services_delivery.claim_confirm(claim, actor=request.user, request=request)
    except ProjectError as err:
        return _bad(err)
    return _fresh(claim)


@router.post(
    "/projects/claims/{claim_id}/return",
    response={200: ClaimOut, **WRITE},
    operation_id="projects_claims_return",
    summary="社区退回交付（附原因）",
)
def claims_return(
    request: AuthenticatedRequest, claim_id: PathId, payload: ReasonIn
) -> Claim | Refusal:
    claim = _managed(request, claim_id)
    try:
        services_delivery.claim_return(
            claim, reason=payload.reason, actor=request.user, request=request
        )
    except ProjectError as err:
        return _bad(err)
    return _fresh(claim)


# ---------------------------------------------------------------- registrations


@router.get(
    "/projects/registrations",
    response={200: RegistrationPage, **READ},
    operation_id="projects_registrations_list",
    summary="双报到列表",
)
def registrations_list(
    request: AuthenticatedRequest, filters: Query[RegFilters]
) -> Page[Registration]:
    ensure_perm(request, "projects.view")
    qs = access.registrations_visible_to(request.user).select_related("party_org", "member")
    if filters.status:
        qs = qs.filter(status=filters.status)
    items, count = page_and_count(qs.order_by("-id"), filters.offset, filters.limit)
    return {"items": items, "count": count}


@router.post(
    "/projects/registrations",
    response={201: RegistrationOut, **WRITE},
    operation_id="projects_registrations_create",
    summary="到社区报到（党组织或党员本人）",
)
def registrations_create(
    request: AuthenticatedRequest, payload: RegistrationIn
) -> Status[Registration] | Refusal:
    ensure_perm(request, "projects.claim")
    from lianjian.orgs.models import Region

    region = Region.objects.filter(
        pk=payload.community, level=Region.Level.COMMUNITY, is_active=True
    ).first()
    if region is None:
        return refusal("所选社区不存在", "community")
    lists = payload.dict(include={"resources", "skills", "needs", "proposals"})
    try:
        if payload.party_org is not None:
            try:
                org = get_in_scope(
                    access.orgs_acting_for(request.user), payload.party_org, user=request.user
                )
            except Http404:
                return refusal("所选党组织不属于您", "party_org")
            reg = services_reg.registration_submit(
                region=region, party_org=org, actor=request.user, request=request, **lists
            )
        else:
            member = access.member_of(request.user)
            if member is None:
                return refusal("您的账号没有对应的党员信息", "party_org")
            reg = services_reg.registration_submit(
                region=region, member=member, actor=request.user, request=request, **lists
            )
    except ProjectError as err:
        return _bad(err)
    return Status(201, reg)


@router.post(
    "/projects/registrations/{registration_id}/decide",
    response={200: RegistrationOut, **WRITE},
    operation_id="projects_registrations_decide",
    summary="社区审核报到",
)
def registrations_decide(
    request: AuthenticatedRequest, registration_id: PathId, payload: DecideIn
) -> Registration | Refusal:
    ensure_perm(request, "projects.manage")
    reg = access.get_managed_registration(request.user, registration_id, request=request)
    try:
        return services_reg.registration_decide(
            reg, approve=payload.approve, reason=payload.reason, actor=request.user, request=request
        )
    except ProjectError as err:
        return _bad(err)


# ---------------------------------------------------------------- reports


def _period(query: ReportQuery) -> tuple[dt.date, dt.date]:
    try:
        return selectors.period({"start": query.start, "end": query.end})
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def _row(r: Row) -> ReportRowBody:
    return {
        "id": r.key,
        "name": r.name,
        "published": r.published,
        "claimed": r.claimed,
        "delivered": r.delivered,
        "confirmed": r.confirmed,
        "on_time_rate": r.on_time_rate,
        "value": float(r.value),
        "people": r.people,
        "problems_solved": r.problems_solved,
        "pairs": r.pairs,
    }


@router.get(
    "/projects/report/communities",
    response={200: ReportOut, **READ},
    operation_id="projects_report_communities",
    summary="按社区统计：发布、认领、交付、确认、按时率、交付价值、帮扶人数、解决难题",
)
def report_communities(request: AuthenticatedRequest, query: Query[ReportQuery]) -> ReportBody:
    ensure_perm(request, "projects.report")
    start, end = _period(query)
    report = selectors.community_report(request.user, start, end, programme=query.programme)
    return {
        "start": start,
        "end": end,
        "total": _row(report.total),
        "rows": [_row(r) for r in report.rows],
    }


@router.get(
    "/projects/report/units",
    response={200: list[UnitRowOut], **READ},
    operation_id="projects_report_units",
    summary="共建单位排名（按确认交付价值，其次帮扶人数）",
)
def report_units(request: AuthenticatedRequest, query: Query[ReportQuery]) -> list[UnitRowBody]:
    ensure_perm(request, "projects.report")
    start, end = _period(query)
    return [
        {
            "party_org_id": r.key,
            "name": r.name,
            "claimed": r.claimed,
            "confirmed": r.confirmed,
            "on_time_rate": r.on_time_rate,
            "value": float(r.value),
            "people": r.people,
        }
        for r in selectors.unit_report(request.user, start, end)
    ]
