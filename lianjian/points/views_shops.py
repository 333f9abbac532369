"""Staff writes on the red alliance: a unit joins as a merchant, an agreement is signed.

Street staff (`points.manage`) bring a 个体工商户 or enterprise of their street into the
alliance; a community Party committee's agreement is signed by the street or by the
community's secretary (`points.certify`) for the organizations in their scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_perm
from lianjian.points import pickers, services_shops
from lianjian.points.forms import AgreementForm, MerchantJoinForm, first_error
from lianjian.points.services import PointsError


@require_POST
@require_perm("points.manage")
def merchant_join(request: AuthenticatedRequest) -> HttpResponse:
    form = MerchantJoinForm(pickers.joinable_units(request.user), request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("points:merchants")
    data = dict(form.cleaned_data)
    unit = data.pop("unit_id")
    try:
        services_shops.merchant_join(unit, actor=request.user, data=data)
        messages.success(request, "商户已加入红色联盟")
    except PointsError as exc:
        messages.error(request, str(exc))
    return redirect("points:merchants")


def agreement_form(request: AuthenticatedRequest, data: object = None) -> AgreementForm:
    perm = pickers.signing_perm(request.user)
    return AgreementForm(
        pickers.signable_merchants(request.user),
        pickers.community_orgs(request.user, perm),
        perm,
        data,
    )


@require_POST
@require_perm("points.manage|points.certify")
def agreement_sign(request: AuthenticatedRequest) -> HttpResponse:
    form = agreement_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("points:merchants")
    data = form.cleaned_data
    try:
        services_shops.agreement_sign(
            data["merchant_id"],
            data["party_org_id"],
            actor=request.user,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            gold_discount=data["gold_discount"],
            silver_discount=data["silver_discount"],
        )
        messages.success(request, "发展协议已签订")
    except (PointsError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("points:merchants")
