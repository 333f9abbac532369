"""Staff desk pages: the overview, rules, certification, cards, merchants, exports.

Thin: reads through `access`/`selectors` (scoped), writes through the services,
whose Chinese `PointsError` messages the pages show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.periods import parse_day, parse_period, year_start
from lianjian.core.permissions import require_perm, user_has_any_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.xlsx import stamped, xlsx_response
from lianjian.orgs.access import get_in_scope, regions_visible_to
from lianjian.orgs.models import Region
from lianjian.points import access, pickers, selectors, services, services_cards
from lianjian.points.forms import AdjustForm, MerchantJoinForm, first_error
from lianjian.points.models import CapPeriod, Cause, Scheme
from lianjian.points.services import PointsError
from lianjian.points.views_shops import agreement_form


def _period(request: AuthenticatedRequest) -> tuple[dt.date, dt.date, str]:
    try:
        start, end = parse_period(request.GET, default_start=year_start)
        return start, end, ""
    except ValueError as exc:
        start, end = parse_period({}, default_start=year_start)
        return start, end, str(exc)


@require_perm("points.report")
def desk(request: AuthenticatedRequest) -> HttpResponse:
    start, end, error = _period(request)
    return render(
        request,
        "points/desk.html",
        {
            "totals": selectors.tier_totals(request.user),
            "tiers": selectors.tier_report(request.user),
            "causes": selectors.points_by_cause(request.user, start, end),
            "shops": selectors.merchant_report(request.user),
            "uses": selectors.redemptions_per_merchant(request.user)[:30],
            "start": start,
            "end": end,
            "period_error": error,
        },
    )


@require_perm("points.report")
def rules(request: AuthenticatedRequest) -> HttpResponse:
    can_manage = user_has_perm(request.user, "points.manage")
    if request.method == "POST":
        if not can_manage:
            return redirect("points:rules")
        streets = regions_visible_to(request.user, "points.manage").filter(level="street")
        if request.POST.get("scheme"):
            return _scheme_save(request, streets)
        # form text, then the parsed date: `services._clean_rule` checks each value
        data: dict[str, Any] = {k: request.POST.get(k) for k in services.RULE_FIELDS}
        try:
            data["valid_from"] = parse_day(data.get("valid_from"), "生效日期")
            edit_id = request.POST.get("rule_id")
            if edit_id:
                rule = get_in_scope(
                    access.rules_for(request.user, "points.manage"), edit_id, request=request
                )
                services.rule_edit(
                    rule,
                    actor=request.user,
                    data={k: v for k, v in data.items() if v not in (None, "")},
                )
            else:
                street = get_in_scope(streets, request.POST.get("street_id"), request=request)
                services.rule_create(street, actor=request.user, data=data)
            messages.success(request, "积分规则已保存")
        except (PointsError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("points:rules")
    return render(
        request,
        "points/rules.html",
        {
            "rules": access.rules_for(request.user).order_by("street_id", "cause", "-valid_from")[
                :300
            ],
            "streets": regions_visible_to(request.user, "points.manage").filter(level="street")
            if can_manage
            else [],
            "causes": [c for c in Cause.choices if c[0] in services.RULE_CAUSES],
            "periods": CapPeriod.choices,
            "can_manage": can_manage,
            "schemes": Scheme.objects.filter(
                street_id__in=[
                    r.pk
                    for r in regions_visible_to(request.user, "points.report").filter(
                        level="street"
                    )[:200]
                ]
            ),
        },
    )


def _scheme_save(request: AuthenticatedRequest, streets: QuerySet[Region]) -> HttpResponse:
    """A street's tier names and thresholds, and whether its points expire."""
    try:
        street = get_in_scope(streets, request.POST.get("street_id"), request=request)
        fields: dict[str, Any] = {  # names, thresholds and a flag: `Scheme` fields by name
            "gold_name": str(request.POST.get("gold_name") or "金卡")[:20],
            "silver_name": str(request.POST.get("silver_name") or "银卡")[:20],
            "gold_threshold": int(str(request.POST.get("gold_threshold") or "100")),
            "silver_threshold": int(str(request.POST.get("silver_threshold") or "50")),
            "expiry_enabled": request.POST.get("expiry_enabled") == "1",
            "expiry_days": int(str(request.POST.get("expiry_days") or "365")),
        }
        if min(fields["gold_threshold"], fields["silver_threshold"], fields["expiry_days"]) < 1:
            raise PointsError("门槛和有效天数须为正整数")
        services.scheme_save(street, actor=request.user, **fields)
        messages.success(request, "积分方案已保存")
    except (PointsError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, PointsError) else "请填写整数")
    return redirect("points:rules")


@require_perm("points.certify")
def certify(request: AuthenticatedRequest) -> HttpResponse:
    communities = regions_visible_to(request.user, "points.certify").filter(level="community")
    if request.method == "POST":
        try:
            community = get_in_scope(communities, request.POST.get("community_id"), request=request)
            start = parse_day(request.POST.get("start"), "开始日期")
            end = parse_day(request.POST.get("end"), "结束日期")
            if start is None or end is None:
                raise PointsError("请填写认定周期")
            cert = services_cards.certify(
                community,
                start=start,
                end=end,
                label=str(request.POST.get("label") or "")[:20] or f"{start:%Y}年度",
                actor=request.user,
            )
            messages.success(request, f"已认定：金卡 {cert.gold} 张，银卡 {cert.silver} 张")
        except (PointsError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("points:certify")
    return render(
        request,
        "points/certify.html",
        {
            "communities": communities.order_by("sort_key")[:500],
            "certifications": access.certifications_for(request.user, "points.certify")
            .select_related("certified_by")
            .order_by("-certified_at")[:100],
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm("points.certify")
def adjust(request: AuthenticatedRequest) -> HttpResponse:
    """A manual award or deduction with its reason (书记调整), through `services.adjust`."""
    form = AdjustForm(access.members_for(request.user), request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            member = form.cleaned_data["member_id"]
            try:
                services.adjust(
                    member,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    f"已为 {member.name} 记入 {form.cleaned_data['points']:+d} 分，"
                    f"当前余额 {selectors.balance_of(member.pk)} 分",
                )
                return redirect("points:adjust")
            except PointsError as exc:
                messages.error(request, str(exc))
        else:
            messages.error(request, first_error(form))
    return render(
        request,
        "points/adjust.html",
        {
            "form": form,
            "recent": access.entries_for(request.user, "points.certify")
            .filter(cause=Cause.MANUAL)
            .select_related("member", "actor")
            .order_by("-created_at", "-pk")[:30],
        },
    )


@require_perm("points.report")
def cards(request: AuthenticatedRequest) -> HttpResponse:
    qs = access.cards_for(request.user).select_related("member").order_by("-issued_at")
    tier = request.GET.get("tier")
    if tier in ("gold", "silver"):
        qs = qs.filter(tier=tier)
    return render(
        request,
        "points/cards.html",
        {
            "cards": qs[:200],
            "tiers": selectors.tier_report(request.user),
            "can_certify": user_has_perm(request.user, "points.certify"),
        },
    )


@require_POST
@require_perm("points.certify")
def card_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    card = get_in_scope(access.cards_for(request.user, "points.certify"), pk, request=request)
    reason = str(request.POST.get("reason") or "")
    try:
        if action == "suspend":
            services_cards.card_suspend(card, actor=request.user, reason=reason)
        elif action == "resume":
            services_cards.card_resume(card, actor=request.user)
        elif action == "revoke":
            services_cards.card_revoke(card, actor=request.user, reason=reason)
        elif action == "rotate":
            services_cards.card_rotate(card, actor=request.user)
        messages.success(request, "已更新联盟卡")
    except PointsError as exc:
        messages.error(request, str(exc))
    return redirect("points:cards")


@require_perm("points.report")
def merchants(request: AuthenticatedRequest) -> HttpResponse:
    can_manage = user_has_perm(request.user, "points.manage")
    can_sign = user_has_any_perm(request.user, "points.manage|points.certify")
    shops = (
        access.merchants_for(request.user)
        .annotate(n_agreements=Count("agreements", distinct=True))
        .order_by("shop_name")[:300]
    )
    return render(
        request,
        "points/merchants.html",
        {
            "merchants": shops,
            "report": selectors.merchant_report(request.user),
            "uses": selectors.redemptions_per_merchant(request.user),
            "can_manage": can_manage,
            "can_sign": can_sign,
            "join_form": MerchantJoinForm(pickers.joinable_units(request.user))
            if can_manage
            else None,
            "agreement_form": agreement_form(request) if can_sign else None,
        },
    )


EXPORTS = ("cards", "merchants", "causes", "redemptions")


@require_perm("points.report")
def export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    limited = rate_limited(request, "points.export", limit=10, window=60)
    if limited is not None:
        return limited
    user = request.user
    rows: Iterable[Sequence[object]]
    if kind == "cards":
        rows = ([r["community"], r["gold"], r["silver"]] for r in selectors.tier_report(user))
        return xlsx_response("联盟卡", ["社区", "金卡", "银卡"], rows, stamped("联盟卡统计"))
    if kind == "merchants":
        rows = (
            [
                m.shop_name,
                m.get_category_display(),
                m.shop_address,
                m.joined_on,
                m.agreements.count(),
            ]
            for m in access.merchants_for(user).order_by("shop_name")[:5000]
        )
        return xlsx_response(
            "联盟商户",
            ["店铺", "类别", "地址", "加入日期", "发展协议数"],
            rows,
            stamped("联盟商户"),
        )
    if kind == "redemptions":
        rows = (
            [r["merchant__shop_name"], r["uses"], r["amount"] or 0]
            for r in selectors.redemptions_per_merchant(user)
        )
        return xlsx_response("用卡", ["商户", "用卡次数", "消费金额"], rows, stamped("商户用卡"))
    start, end, _ = _period(request)
    rows = (
        [r["label"], r["entries"], r["points"]] for r in selectors.points_by_cause(user, start, end)
    )
    return xlsx_response("积分事由", ["事由", "笔数", "积分"], rows, stamped("积分事由"))
