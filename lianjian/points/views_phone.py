"""Phone pages (375 px): the member's points and card, the merchant's card check.

The card's QR is drawn from its token alone (segno, an SVG data URI: no
outside service); the merchant's page reads a token typed or scanned by the
browser's own camera (static/points/scan.js, BarcodeDetector where available).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import TypeVar

import segno
from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs.models import Member
from lianjian.points import access, selectors, services, services_cards, services_shops
from lianjian.points.models import Enrolment, Merchant, Redemption
from lianjian.points.services import PointsError

VERIFY_LIMIT = (30, 60)  # card checks per minute and merchant (S22: no token guessing)

_Row = TypeVar("_Row", bound=Model)


@functools.lru_cache(maxsize=4096)
def qr_data_uri(token: str) -> str:
    """The card's QR as an SVG data URI; drawn once per token and process (segno is pure
    Python: 5-50 ms a drawing, most of the member page's time in `bench/points_bench.py`).
    A rotated token is a new key; the old drawing only ages out."""
    return str(segno.make(token, error="m").svg_data_uri(scale=6, border=2))


def _member(request: AuthenticatedRequest) -> Member:
    member = access.member_of(request.user)
    if member is None:
        raise Http404("未关联党员信息")
    return member


@never_cache
@require_perm("points.own")
def me(request: AuthenticatedRequest) -> HttpResponse:
    member = _member(request)
    enrolment = Enrolment.objects.filter(member=member).first()
    card = services_cards.current_card(member.pk)
    scheme = services.scheme_of(member.street_id)
    entries = selectors.history_page(member.pk)
    uses = selectors.uses_page(member.pk)
    return render(
        request,
        "points/me.html",
        {
            "member": member,
            "enrolment": enrolment,
            "consent_version": services.CONSENT_VERSION,
            "balance": selectors.balance_of(member.pk),
            "entries": entries.rows,
            "entries_next": entries.next_before,
            "card": card,
            "tier_name": services_cards.tier_name(card.tier, scheme) if card else "",
            "qr": qr_data_uri(card.token) if card and enrolment and enrolment.active else "",
            "uses": uses.rows,
            "uses_next": uses.next_before,
            "card_events": selectors.card_events_of(card)[:20] if card else [],
        },
    )


def _paged(
    request: AuthenticatedRequest,
    read: Callable[[int, int | None], selectors.Page[_Row]],
    member_id: int,
) -> tuple[selectors.Page[_Row], str]:
    """The page `?before=` asks for; a malformed or foreign cursor shows the newest page."""
    try:
        return read(member_id, selectors.parse_before(request.GET.get("before"))), ""
    except selectors.BadCursor as exc:
        return read(member_id, None), str(exc)


@never_cache
@require_perm("points.own")
def history(request: AuthenticatedRequest) -> HttpResponse:
    """Every change of the member's points, newest first, a page at a time."""
    member = _member(request)
    page, error = _paged(request, selectors.history_page, member.pk)
    return render(
        request,
        "points/history.html",
        {
            "balance": selectors.balance_of(member.pk),
            "page": page,
            "first": not request.GET.get("before") or bool(error),
            "cursor_error": error,
        },
    )


@never_cache
@require_perm("points.own")
def uses(request: AuthenticatedRequest) -> HttpResponse:
    """Where the member's card was used, newest first, a page at a time."""
    member = _member(request)
    page, error = _paged(request, selectors.uses_page, member.pk)
    return render(
        request,
        "points/uses.html",
        {
            "page": page,
            "first": not request.GET.get("before") or bool(error),
            "cursor_error": error,
        },
    )


@require_POST
@require_perm("points.own")
def consent(request: AuthenticatedRequest) -> HttpResponse:
    member = _member(request)
    if request.POST.get("action") == "withdraw":
        try:
            services.withdraw(member, actor=request.user)
            messages.success(
                request, "已退出积分计划：不再累计积分，联盟卡停止使用，已有记录保留备查"
            )
        except PointsError as exc:
            messages.error(request, str(exc))
    elif request.POST.get("agree") == "1":
        services.enrol(member, actor=request.user)
        messages.success(request, "已参加积分计划")
    else:
        messages.error(request, "请先阅读并同意积分计划说明")
    return redirect("points:me")


@require_POST
@require_perm("points.own")
def rotate(request: AuthenticatedRequest) -> HttpResponse:
    member = _member(request)
    card = services_cards.current_card(member.pk)
    if card is None:
        raise Http404("没有联盟卡")
    services_cards.card_rotate(card, actor=request.user)
    messages.success(request, "已更换二维码，旧二维码立即失效")
    return redirect("points:me")


def _shop(request: AuthenticatedRequest) -> Merchant:
    merchant = access.merchant_of(request.user)
    if merchant is None:
        raise Http404("未关联联盟商户")
    return merchant


@never_cache
@require_perm("points.redeem")
def shop(request: AuthenticatedRequest) -> HttpResponse:
    merchant = _shop(request)
    token = str(request.GET.get("token") or "").strip()
    result = None
    if token:
        limited = rate_limited(
            request, "points.verify", limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1]
        )
        if limited is not None:
            return limited
        result = services_shops.verify(merchant, token)
    recent = Redemption.objects.filter(merchant=merchant).order_by("-at")[:20]
    return render(
        request,
        "points/shop.html",
        {
            "merchant": merchant,
            "token": token,
            "result": result,
            "request_key": uuid.uuid4().hex,
            "recent": recent,
        },
    )


@require_POST
@require_perm("points.redeem")
def redeem(request: AuthenticatedRequest) -> HttpResponse:
    merchant = _shop(request)
    limited = rate_limited(request, "points.redeem", limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1])
    if limited is not None:
        return limited
    try:
        redemption, created = services_shops.redeem(
            merchant,
            token=str(request.POST.get("token") or ""),
            request_key=str(request.POST.get("request_key") or ""),
            amount=request.POST.get("amount") or None,
            actor=request.user,
        )
    except PointsError as exc:
        messages.error(request, str(exc))
        return redirect("points:shop")
    if created:
        messages.success(
            request, f"已登记优惠：{redemption.get_tier_display()} {redemption.discount} 折"
        )
    else:
        messages.info(request, "该笔优惠已登记，未重复记录")
    return redirect("points:shop")
