"""Points API routes (`/api/v1/points/…`): the same rules as the pages.

Role permission first (403), then the row through `points.access` (404 outside
scope), then the service; a `PointsError` is a 400 with its Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model
from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs.access import get_in_scope, regions_visible_to
from lianjian.orgs.models import Member
from lianjian.points import access, selectors, services, services_cards, services_shops
from lianjian.points.models import Enrolment, Merchant, Redemption
from lianjian.points.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AdjustIn,
    AdjustOut,
    CertificationOut,
    CertifyIn,
    ConsentIn,
    EntryPage,
    HistoryQuery,
    MeOut,
    MerchantReportOut,
    RedeemIn,
    RedemptionOut,
    RuleIn,
    RuleOut,
    TierReportOut,
    UsePage,
    VerifyOut,
)
from lianjian.points.services import PointsError
from lianjian.points.views_phone import VERIFY_LIMIT

router = Router(tags=["积分联盟卡"])
# a route returns `Any`: its body is a status and one of the shapes its `response=` declares,
# and ninja checks it against that schema

_Row = TypeVar("_Row", bound=Model)


def _error(err: PointsError) -> Status[dict[str, str]]:
    return Status(400, {"detail": str(err)})


def _member(request: AuthenticatedRequest) -> Member | None:
    ensure_perm(request, "points.own")
    return access.member_of(request.user)


def _use(u: Redemption) -> dict[str, object]:
    return {
        "id": u.pk,
        "shop_name": u.merchant.shop_name,
        "tier": u.tier,
        "discount": u.discount,
        "amount": u.amount,
        "at": u.at,
    }


def _me(member: Member) -> dict[str, object]:
    enrolment = Enrolment.objects.filter(member=member).first()
    card = services_cards.current_card(member.pk)
    scheme = services.scheme_of(member.street_id)
    entries = selectors.history_page(member.pk)
    uses = selectors.uses_page(member.pk)
    return {
        "enrolled": bool(enrolment and enrolment.active),
        "consent_version": enrolment.consent_version if enrolment else None,
        "balance": selectors.balance_of(member.pk),
        "card": None
        if card is None
        else {
            "tier": card.tier,
            "tier_name": services_cards.tier_name(card.tier, scheme),
            "status": card.status,
            "valid_until": card.valid_until,
            "token": card.token,
        },
        "entries": entries.rows,
        "entries_next_before": entries.next_before,
        "uses": [_use(u) for u in uses.rows],
        "uses_next_before": uses.next_before,
    }


def _next(request: AuthenticatedRequest, before: int | None) -> str | None:
    if before is None:
        return None
    params = request.GET.copy()
    params["before"] = str(before)
    return f"{request.path}?{params.urlencode()}"


@router.get(
    "/points/me",
    response={200: MeOut, **READ_ERRORS},
    operation_id="points_me",
    summary="我的积分、明细与联盟卡",
)
def points_me(request: AuthenticatedRequest) -> Any:
    member = _member(request)
    if member is None:
        return Status(404, {"detail": "未关联党员信息"})
    return _me(member)


@router.get(
    "/points/me/entries",
    response={200: EntryPage, **READ_ERRORS},
    operation_id="points_my_entries",
    summary="我的积分明细（分页，最新在前）",
    description="翻页：把 next_before 作为 before 再次请求，直到 next_before 为空。",
)
def points_my_entries(request: AuthenticatedRequest, query: Query[HistoryQuery]) -> Any:
    return _history(request, query, selectors.history_page, lambda entry: entry)


@router.get(
    "/points/me/uses",
    response={200: UsePage, **READ_ERRORS},
    operation_id="points_my_uses",
    summary="我的用卡记录（分页，最新在前）",
    description="翻页：把 next_before 作为 before 再次请求，直到 next_before 为空。",
)
def points_my_uses(request: AuthenticatedRequest, query: Query[HistoryQuery]) -> Any:
    return _history(request, query, selectors.uses_page, _use)


def _history(
    request: AuthenticatedRequest,
    query: HistoryQuery,
    read: Callable[[int, int | None, int], selectors.Page[_Row]],
    item: Callable[[_Row], object],
) -> Any:
    """One page of the member's own rows (`read`), newest first, each shown by `item`."""
    member = _member(request)
    if member is None:
        return Status(404, {"detail": "未关联党员信息"})
    try:
        page = read(member.pk, query.before, query.limit)
    except selectors.BadCursor as err:
        return Status(400, {"detail": str(err)})
    return {
        "items": [item(row) for row in page.rows],
        "next_before": page.next_before,
        "next": _next(request, page.next_before),
    }


@router.post(
    "/points/me/consent",
    response={200: MeOut, **WRITE_ERRORS},
    operation_id="points_consent",
    summary="参加或退出积分计划（S16）",
)
def points_consent(request: AuthenticatedRequest, body: ConsentIn) -> Any:
    member = _member(request)
    if member is None:
        return Status(404, {"detail": "未关联党员信息"})
    try:
        if body.agree:
            services.enrol(member, actor=request.user)
        else:
            services.withdraw(member, actor=request.user)
    except PointsError as err:
        return _error(err)
    return _me(member)


def _shop(request: AuthenticatedRequest) -> Merchant | None:
    ensure_perm(request, "points.redeem")
    return access.merchant_of(request.user)


@router.get(
    "/points/shop/verify",
    response={200: VerifyOut, **WRITE_ERRORS},
    operation_id="points_verify",
    summary="商户验卡：等级、折扣与有效性",
)
def points_verify(request: AuthenticatedRequest, token: str) -> Any:
    merchant = _shop(request)
    if merchant is None:
        return Status(404, {"detail": "未关联联盟商户"})
    limited = rate_limited(request, "points.verify", limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1])
    if limited is not None:
        return limited
    r = services_shops.verify(merchant, token[:100])
    return {
        "ok": r.ok,
        "message": r.message,
        "tier": r.tier,
        "tier_name": r.tier_name,
        "discount": r.discount,
        "valid_until": r.valid_until,
        "masked_name": r.masked_name,
    }


@router.post(
    "/points/shop/redemptions",
    response={200: RedemptionOut, 201: RedemptionOut, **WRITE_ERRORS},
    operation_id="points_redeem",
    summary="登记用卡优惠（幂等）",
)
def points_redeem(request: AuthenticatedRequest, body: RedeemIn) -> Any:
    merchant = _shop(request)
    if merchant is None:
        return Status(404, {"detail": "未关联联盟商户"})
    limited = rate_limited(request, "points.redeem", limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1])
    if limited is not None:
        return limited
    try:
        red, created = services_shops.redeem(
            merchant,
            token=body.token,
            request_key=body.request_key,
            amount=body.amount,
            actor=request.user,
        )
    except PointsError as err:
        return _error(err)
    return Status(201 if created else 200, _redemption(red, created))


def _redemption(red: Redemption, created: bool) -> dict[str, object]:
    return {
        "id": red.pk,
        "tier": red.tier,
        "discount": red.discount,
        "amount": red.amount,
        "at": red.at,
        "created": created,
    }


@router.get(
    "/points/report/tiers",
    response={200: TierReportOut, **READ_ERRORS},
    operation_id="points_report_tiers",
    summary="各社区金卡、银卡数",
)
def points_report_tiers(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "points.report")
    totals = selectors.tier_totals(request.user)
    return {
        "gold": totals["gold"],
        "silver": totals["silver"],
        "communities": selectors.tier_report(request.user),
    }


@router.get(
    "/points/report/merchants",
    response={200: MerchantReportOut, **READ_ERRORS},
    operation_id="points_report_merchants",
    summary="联盟商户与签约社区数",
)
def points_report_merchants(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "points.report")
    return selectors.merchant_report(request.user)


@router.get(
    "/points/rules",
    response={200: list[RuleOut], **READ_ERRORS},
    operation_id="points_rules_list",
    summary="积分规则（含历史版本）",
)
def points_rules_list(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "points.report")
    return list(access.rules_for(request.user).order_by("street_id", "cause", "-valid_from")[:500])


@router.post(
    "/points/rules",
    response={201: RuleOut, **WRITE_ERRORS},
    operation_id="points_rules_create",
    summary="新增积分规则",
)
def points_rules_create(request: AuthenticatedRequest, body: RuleIn) -> Any:
    ensure_perm(request, "points.manage")
    streets = regions_visible_to(request.user, "points.manage").filter(level="street")
    street = get_in_scope(streets, body.street_id, request=request)
    try:
        rule = services.rule_create(
            street, actor=request.user, data=body.dict(exclude={"street_id"})
        )
    except PointsError as err:
        return _error(err)
    return Status(201, rule)


@router.post(
    "/points/certifications",
    response={201: CertificationOut, **WRITE_ERRORS},
    operation_id="points_certify",
    summary="社区积分认定并发卡",
)
def points_certify(request: AuthenticatedRequest, body: CertifyIn) -> Any:
    ensure_perm(request, "points.certify")
    communities = regions_visible_to(request.user, "points.certify").filter(level="community")
    community = get_in_scope(communities, body.community_id, request=request)
    try:
        cert = services_cards.certify(
            community,
            start=body.start,
            end=body.end,
            label=body.label or f"{body.start:%Y}年度",
            actor=request.user,
        )
    except PointsError as err:
        return _error(err)
    return Status(201, cert)


@router.post(
    "/points/adjustments",
    response={201: AdjustOut, **WRITE_ERRORS},
    operation_id="points_adjust",
    summary="积分调整（须填原因）",
)
def points_adjust(request: AuthenticatedRequest, body: AdjustIn) -> Any:
    ensure_perm(request, "points.certify")
    member = get_in_scope(access.members_for(request.user), body.member_id, request=request)
    try:
        entry = services.adjust(member, points=body.points, reason=body.reason, actor=request.user)
    except PointsError as err:
        return _error(err)
    return Status(
        201, {"id": entry.pk, "points": entry.points, "balance": selectors.balance_of(member.pk)}
    )
