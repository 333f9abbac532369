"""Staff writes on the red alliance: a unit joins as a merchant, an agreement is signed.

Street staff (`points.manage`) bring a 个体工商户 or enterprise of their street into the
alliance; a community Party committee's agreement is signed by the street or by the
community's secretary (`points.certify`) for the organizations in their scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lianjian.core.periods import parse_day
from lianjian.core.permissions import require_perm
from lianjian.orgs.access import get_in_scope, party_orgs_visible_to, units_visible_to
from lianjian.points import access, services_shops
from lianjian.points.services import PointsError


@require_POST
@require_perm("points.manage")
def merchant_join(request: HttpRequest) -> HttpResponse:
    units = units_visible_to(request.user, "points.manage").filter(
        kind__in=services_shops.MERCHANT_KINDS, is_active=True
    )
    try:
        unit = get_in_scope(units, request.POST.get("unit_id"), request=request)
        data = {
            k: request.POST.get(k)
            for k in ("shop_name", "shop_address", "category", "contact_name", "contact_phone")
        }
        services_shops.merchant_join(unit, actor=request.user, data=data)
        messages.success(request, "商户已加入红色联盟")
    except PointsError as exc:
        messages.error(request, str(exc))
    return redirect("points:merchants")


@require_POST
@require_perm("points.manage|points.certify")
def agreement_sign(request: HttpRequest) -> HttpResponse:
    merchant = get_in_scope(
        access.merchants_for(request.user, "points.report"),
        request.POST.get("merchant_id"),
        request=request,
    )
    orgs = party_orgs_visible_to(request.user, "points.manage").filter(community__isnull=False)
    if not orgs.exists():
        orgs = party_orgs_visible_to(request.user, "points.certify").filter(community__isnull=False)
    try:
        org = get_in_scope(orgs, request.POST.get("party_org_id"), request=request)
        start = parse_day(request.POST.get("starts_on"), "开始日期")
        end = parse_day(request.POST.get("ends_on"), "结束日期")
        if start is None or end is None:
            raise PointsError("请填写协议期限")
        services_shops.agreement_sign(
            merchant,
            org,
            actor=request.user,
            starts_on=start,
            ends_on=end,
            gold_discount=request.POST.get("gold_discount"),
            silver_discount=request.POST.get("silver_discount"),
        )
        messages.success(request, "发展协议已签订")
    except (PointsError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("points:merchants")
