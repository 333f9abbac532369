"""Alliance pages: alliances and charters, bodies and cadence, reports, agreements.

Meetings and the phone home are in `views_meetings`; proposals, resolutions and
tasks in `views_proposals`.
Thin views: reads from `selectors`/`access` (404 outside scope), writes
through `services`; an `AllianceError` lands on its form field.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms as djforms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, cadence, forms, selectors
from lianjian.alliances.exports import agreements_xlsx
from lianjian.alliances.models import AgreementItem, Alliance, AllianceMember, Body
from lianjian.alliances.services import agreements as agreement_services
from lianjian.alliances.services import alliances as services
from lianjian.alliances.services.common import AllianceError
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.orgs.access import party_orgs_visible_to, regions_visible_to, units_visible_to
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MANAGE = "alliances.manage"
VIEW = "alliances.view"
PROPOSE = "alliances.propose"
ACT = "alliances.act"


def show_error(form: djforms.Form, err: AllianceError) -> None:
    form.add_error(err.field if err.field in form.fields else None, err.message)


def form_errors(form: djforms.Form) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


def _regions(user: User) -> Any:
    return regions_visible_to(user, MANAGE).exclude(level=Region.Level.AREA).order_by("path")


# ---------------------------------------------------------------- alliances


@require_perm(VIEW)
def home(request: AuthenticatedRequest) -> HttpResponse:
    alliances = list(
        access.alliances_visible_to(request.user).select_related("region", "lead_unit")
    )
    counts = selectors.member_counts([a.pk for a in alliances])
    rows = [(a, *counts.get(a.pk, (0, 0))) for a in alliances]
    return render(
        request,
        "alliances/home.html",
        {
            "rows": rows,
            "not_met": selectors.bodies_not_met(request.user)[:20],
            "can_manage": access.alliances_visible_to(request.user, MANAGE).exists()
            or regions_visible_to(request.user, MANAGE).exists(),
        },
    )


def _alliance_form(
    request: AuthenticatedRequest, data: Any = None, initial: Any = None
) -> forms.AllianceForm:
    user = request.user
    return forms.AllianceForm(
        _regions(user),
        units_visible_to(user, MANAGE).filter(is_active=True).order_by("name"),
        party_orgs_visible_to(user, MANAGE).filter(is_active=True).order_by("name"),
        data,
        initial=initial,
    )


@never_cache
@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def alliance_create(request: AuthenticatedRequest) -> HttpResponse:
    form = _alliance_form(request, request.POST or None, {"founded_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            alliance = services.alliance_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except AllianceError as err:
            show_error(form, err)
        else:
            messages.success(request, f"已建立“{alliance.name}”")
            return redirect("alliances:alliance_detail", alliance.pk)
    return render(request, "alliances/form.html", {"form": form, "title": "新建党建联盟"})


@require_perm(VIEW)
def alliance_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alliance = access.get_alliance_for_user(request.user, pk, request=request)
    can_manage = access.may_manage(request.user, alliance)
    members = alliance.members.select_related("unit").order_by("left_on", "position", "unit__name")
    charters = list(alliance.charters.select_related("adopted_at"))
    member_form = None
    if can_manage:
        units = (
            units_visible_to(request.user, MANAGE)
            .filter(is_active=True)
            .exclude(pk__in=alliance.members.filter(left_on__isnull=True).values("unit_id"))
        )
        member_form = forms.MemberForm(
            units.order_by("name"), initial={"joined_on": timezone.localdate()}
        )
    current, founding = selectors.member_counts([alliance.pk]).get(alliance.pk, (0, 0))
    return render(
        request,
        "alliances/alliance_detail.html",
        {
            "alliance": alliance,
            "members": members,
            "current_count": current,
            "founding_count": founding,
            "charter": charters[0] if charters else None,
            "earlier": charters[1:],
            "bodies": alliance.bodies.all(),
            "can_manage": can_manage,
            "member_form": member_form,
        },
    )


@require_perm(MANAGE)
@require_POST
def alliance_member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alliance = access.get_alliance_for_user(request.user, pk, MANAGE, request=request)
    form = forms.MemberForm(units_visible_to(request.user, MANAGE), request.POST)
    if form.is_valid():
        try:
            services.alliance_member_add(
                alliance, actor=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "已添加成员单位")
        except AllianceError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, form_errors(form))
    return redirect("alliances:alliance_detail", alliance.pk)


@require_perm(MANAGE)
@require_POST
def alliance_member_leave(request: AuthenticatedRequest, pk: int, member_id: int) -> HttpResponse:
    alliance = access.get_alliance_for_user(request.user, pk, MANAGE, request=request)
    member = alliance.members.filter(pk=member_id).first()
    if member is None:
        messages.error(request, "未找到该成员单位")
    else:
        try:
            services.alliance_member_leave(member, left_on=timezone.localdate(), actor=request.user)
            messages.success(request, "已记录退出")
        except AllianceError as err:
            messages.error(request, err.message)
    return redirect("alliances:alliance_detail", alliance.pk)


@never_cache
@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def charter_adopt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alliance = access.get_alliance_for_user(request.user, pk, MANAGE, request=request)
    current = selectors.current_charter(alliance)
    meetings = access.meetings_visible_to(request.user).filter(
        body__alliance=alliance, status__in=selectors.HELD
    )
    form = forms.CharterForm(
        meetings,
        request.POST or None,
        initial={"text": current.text if current else "", "adopted_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.charter_adopt(
                alliance,
                text_body=data["text"],
                adopted_on=data["adopted_on"],
                meeting=data["meeting"],
                actor=request.user,
                request=request,
            )
        except AllianceError as err:
            show_error(form, err)
        else:
            messages.success(request, "已通过新版章程，旧版本保留可查")
            return redirect("alliances:alliance_detail", alliance.pk)
    return render(
        request, "alliances/form.html", {"form": form, "title": f"修订章程：{alliance.name}"}
    )


# ---------------------------------------------------------------- bodies


@require_perm(VIEW)
def body_list(request: AuthenticatedRequest) -> HttpResponse:
    not_met = request.GET.get("not_met") == "1"
    qs = (
        selectors.bodies_not_met(request.user)
        if not_met
        else access.bodies_visible_to(request.user)
    )
    page = Paginator(qs.select_related("region").order_by("kind", "name", "pk"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "alliances/body_list.html",
        {
            "page": page,
            "not_met": not_met,
            "querystring_base": querystring_without_page(request),
            "can_manage": regions_visible_to(request.user, MANAGE).exists(),
            "period": cadence.period_label(cadence.period_start(timezone.localdate())),
        },
    )


@never_cache
@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def body_create(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.BodyForm(_regions(request.user), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(actor=request.user, request=request, **form.cleaned_data)
        except AllianceError as err:
            show_error(form, err)
        else:
            messages.success(request, f"已建立“{body.name}”")
            return redirect("alliances:body_detail", body.pk)
    return render(request, "alliances/form.html", {"form": form, "title": "新建联席会议"})


@require_perm(VIEW)
def body_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    body = access.get_body_for_user(request.user, pk, request=request)
    today = timezone.localdate()
    can_manage = access.may_manage(request.user, body)
    report = selectors.cadence_report(request.user, dt.date(today.year - 1, 1, 1), today)
    row = next((r for r in report.rows if r.body_id == body.pk), None)
    if body.kind == Body.Kind.ASSEMBLY:
        members: Any = AllianceMember.objects.filter(alliance=body.alliance, left_on__isnull=True)
    else:
        members = body.members.filter(left_on__isnull=True)
    member_form = None
    if can_manage and body.kind != Body.Kind.ASSEMBLY:
        units = (
            units_visible_to(request.user, MANAGE)
            .filter(is_active=True)
            .exclude(pk__in=members.values("unit_id"))
        )
        member_form = forms.BodyMemberForm(units.order_by("name"), initial={"joined_on": today})
    return render(
        request,
        "alliances/body_detail.html",
        {
            "body": body,
            "members": members.select_related("unit").order_by("unit__name"),
            "meetings": body.meetings.order_by("-scheduled_at")[:30],
            "cells": row.cells if row else [],
            "can_manage": can_manage,
            "member_form": member_form,
        },
    )


@require_perm(MANAGE)
@require_POST
def body_member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    body = access.get_body_for_user(request.user, pk, MANAGE, request=request)
    form = forms.BodyMemberForm(units_visible_to(request.user, MANAGE), request.POST)
    if form.is_valid():
        try:
            services.body_member_add(body, actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, "已添加成员单位")
        except AllianceError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, form_errors(form))
    return redirect("alliances:body_detail", body.pk)


@require_perm(VIEW)
def cadence_view(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        if not 2000 <= year <= today.year:
            raise ValueError
    except ValueError:
        year = today.year
        messages.error(request, "年份无效，已显示今年")
    report = selectors.cadence_report(request.user, dt.date(year, 1, 1), dt.date(year, 12, 31))
    states = [(c.value, c.label) for c in cadence.Compliance]
    kinds = dict(Body.Kind.choices)
    return render(
        request,
        "alliances/cadence.html",
        {
            "report": report,
            "year": year,
            "years": range(today.year, max(2000, today.year - 8), -1),
            "states": states,
            "kind_rows": [
                (kinds.get(k, k), [(v, c.get(v, 0)) for v, _ in states])
                for k, c in report.by_kind.items()
            ],
            "street_rows": [
                (name, [(v, c.get(v, 0)) for v, _ in states])
                for name, c in report.by_street.items()
            ],
        },
    )


@require_perm(VIEW)
def report(request: AuthenticatedRequest) -> HttpResponse:
    from lianjian.alliances.models import Proposal

    proposals = selectors.proposal_report(request.user)
    return render(
        request,
        "alliances/report.html",
        {
            "proposals": proposals,
            "statuses": [
                (label, proposals.by_status.get(v, 0)) for v, label in Proposal.Status.choices
            ],
            "sources": [
                (label, proposals.by_source.get(v, 0)) for v, label in Proposal.Source.choices
            ],
            "units": selectors.unit_task_report(request.user, limit=200),
        },
    )


# ---------------------------------------------------------------- agreements


@require_perm(VIEW)
def agreement_list(request: AuthenticatedRequest) -> Any:
    qs = access.agreements_visible_to(request.user).select_related("region", "unit", "party_org")
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        qs = qs.filter(region_id=int(region_id))
    if request.GET.get("export") == "xlsx":
        return agreements_xlsx(qs.prefetch_related("items"), request=request)
    page = Paginator(qs.order_by("region__name", "-signed_on", "pk"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "alliances/agreement_list.html",
        {
            "page": page,
            "querystring_base": querystring_without_page(request),
            "can_manage": regions_visible_to(request.user, MANAGE).exists(),
            "today": timezone.localdate(),
        },
    )


@never_cache
@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def agreement_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = forms.AgreementForm(
        regions_visible_to(user, MANAGE).filter(
            level__in=[Region.Level.COMMUNITY, Region.Level.STREET]
        ),
        party_orgs_visible_to(user, MANAGE).filter(is_active=True).order_by("name"),
        units_visible_to(user, MANAGE).filter(is_active=True).order_by("name"),
        request.POST or None,
        initial={"signed_on": timezone.localdate(), "starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreement_services.agreement_sign(
                actor=user, request=request, **form.cleaned_data
            )
        except AllianceError as err:
            show_error(form, err)
        else:
            messages.success(request, "已登记共建协议")
            return redirect("alliances:agreement_detail", agreement.pk)
    return render(request, "alliances/form.html", {"form": form, "title": "登记共驻共建协议书"})


@require_perm(VIEW)
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = access.get_agreement_for_user(request.user, pk, request=request)
    return render(
        request,
        "alliances/agreement_detail.html",
        {
            "agreement": agreement,
            "items": agreement.items.all(),
            "can_manage": access.may_manage(request.user, agreement),
            "statuses": AgreementItem.Status.choices,
            "sides": AgreementItem.Side.choices,
            "kinds": AgreementItem.Kind.choices,
        },
    )


@require_perm(MANAGE)
@require_POST
def agreement_item(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = access.get_agreement_for_user(request.user, pk, MANAGE, request=request)
    try:
        item_id = request.POST.get("item", "")
        if item_id:
            item = agreement.items.filter(pk=int(item_id) if item_id.isdigit() else 0).first()
            if item is None:
                raise AllianceError("未找到该承诺事项", "item")
            agreement_services.agreement_item_status(
                item, status=request.POST.get("status", ""), actor=request.user, request=request
            )
        else:
            agreement_services.agreement_item_add(
                agreement,
                side=request.POST.get("side", ""),
                kind=request.POST.get("kind", ""),
                body=request.POST.get("text", ""),
                actor=request.user,
            )
        messages.success(request, "已保存")
    except AllianceError as err:
        messages.error(request, err.message)
    return redirect("alliances:agreement_detail", agreement.pk)


def alliance_counts(alliance: Alliance) -> tuple[int, int]:
    return selectors.member_counts([alliance.pk]).get(alliance.pk, (0, 0))
