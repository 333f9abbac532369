"""Visit pages: ledger, record, detail (raise a need, follow up), coverage, cadres.

Thin views: reads from `selectors`, single rows through `access` (404 outside
scope), writes through `services`; a `VisitError` lands on its form field
and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.periods import parse_period
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.access import party_orgs_visible_to
from lianjian.visits import access, selectors, services
from lianjian.visits.forms import CadreForm, FollowUpForm, PostForm, RaiseNeedForm, VisitForm
from lianjian.visits.models import Visit
from lianjian.visits.services import VisitError

PAGE_SIZE = 20


def _show_error(form: forms.Form, err: VisitError) -> None:
    form.add_error(err.field if err.field in form.fields else None, err.message)


def _period(request: AuthenticatedRequest) -> tuple[Any, Any, str]:
    try:
        start, end = parse_period(request.GET)
        return start, end, ""
    except ValueError as exc:
        start, end = parse_period({})
        return start, end, str(exc)


@require_perm("visits.view")
def visit_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "start", "end", "follow_up_status")}
    error = ""
    try:
        qs = selectors.visits_filtered(request.user, filters)
    except ValueError as exc:
        error, qs = str(exc), Visit.objects.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/visit_list.html",
        {
            "page": page,
            "filters": filters,
            "error": error,
            "statuses": Visit.FollowUp.choices,
            "querystring_base": querystring_without_page(request),
            "can_record": user_has_perm(request.user, "visits.record"),
        },
    )


def _visit_form(request: AuthenticatedRequest, data: Any = None, initial: Any = None) -> VisitForm:
    cadres = list(
        access.cadres_visible_to(request.user, "visits.record")
        .filter(is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )
    return VisitForm(
        selectors.unit_choices_for_record(request.user),
        cadres,
        party_orgs_visible_to(request.user, "visits.record").filter(is_active=True),
        data,
        initial=initial,
    )


@never_cache
@require_perm("visits.record")
@require_http_methods(["GET", "POST"])
def visit_create(request: AuthenticatedRequest) -> HttpResponse:
    initial = {"visited_on": timezone.localdate(), "visitors": request.user.get_username()}
    form = _visit_form(request, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cadre_id, org_id = data.pop("cadre"), data.pop("party_org")
        try:
            visit = services.visit_record(
                cadre=access.cadres_visible_to(request.user, "visits.record").get(pk=cadre_id)
                if cadre_id
                else None,
                party_org=party_orgs_visible_to(request.user, "visits.record").get(pk=org_id)
                if org_id
                else None,
                actor=request.user,
                request=request,
                **data,
            )
        except VisitError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已登记对“{visit.unit.name}”的走访")
            return redirect("visits:detail", visit.pk)
    return render(request, "visits/form.html", {"form": form, "title": "登记走访"})


@require_perm("visits.view")
def visit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = access.get_visit_for_user(request.user, pk, request=request)
    can_record = user_has_perm(request.user, "visits.record") and (
        access.visits_visible_to(request.user, "visits.record").filter(pk=visit.pk).exists()
    )
    links = visit.need_links.select_related("need__category", "need__department").order_by("pk")
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "links": links,
            "can_record": can_record,
            "can_view_needs": user_has_perm(request.user, "needs.view"),
            "need_form": RaiseNeedForm(),
            "follow_form": FollowUpForm(
                initial={
                    "follow_up_status": visit.follow_up_status,
                    "follow_up": visit.follow_up,
                }
            ),
        },
    )


@never_cache
@require_perm("visits.record")
@require_http_methods(["GET", "POST"])
def visit_raise_need(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = access.get_visit_for_user(request.user, pk, "visits.record", request=request)
    form = RaiseNeedForm(request.POST or None, initial={"text": visit.follow_up})
    if request.method == "POST" and form.is_valid():
        try:
            need = services.visit_raise_need(
                visit, actor=request.user, request=request, **form.cleaned_data
            )
        except VisitError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已提出需求，查询码 {need.tracking_code}")
            return redirect("visits:detail", visit.pk)
    return render(
        request,
        "visits/form.html",
        {"form": form, "title": f"由走访提出需求：{visit.unit.name}", "visit": visit},
    )


@require_POST
@require_perm("visits.record")
def visit_follow_up(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = access.get_visit_for_user(request.user, pk, "visits.record", request=request)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.visit_follow_up(
                visit,
                status=form.cleaned_data["follow_up_status"],
                follow_up=form.cleaned_data["follow_up"],
                actor=request.user,
                request=request,
            )
        except VisitError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, "跟进状态已更新")
    else:
        messages.error(request, "跟进状态无效")
    return redirect("visits:detail", visit.pk)


@require_perm("visits.view")
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    start, end, error = _period(request)
    group = "community" if request.GET.get("group") == "community" else "street"
    report = selectors.visit_coverage(request.user, start, end, group=group)
    chart = {
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [r.name for r in report.rows]},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [
            {
                "type": "bar",
                "name": "走访覆盖率",
                "data": [r.rate or 0 for r in report.rows],
            }
        ],
    }
    return render(
        request,
        "visits/coverage.html",
        {"report": report, "error": error, "group": group, "chart": chart},
    )


@require_perm("visits.view")
def cadre_list(request: AuthenticatedRequest) -> HttpResponse:
    start, end, error = _period(request)
    only_cross = request.GET.get("cross") == "1"
    report = selectors.cross_appointment_report(request.user, start, end, only_cross=only_cross)
    return render(
        request,
        "visits/cadre_list.html",
        {
            "report": report,
            "error": error,
            "only_cross": only_cross,
            "can_record": user_has_perm(request.user, "visits.record"),
        },
    )


@never_cache
@require_perm("visits.record")
@require_http_methods(["GET", "POST"])
def cadre_create(request: AuthenticatedRequest) -> HttpResponse:
    orgs = party_orgs_visible_to(request.user, "visits.record").filter(is_active=True)
    form = CadreForm(orgs, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            cadre = services.cadre_create(
                party_org=orgs.get(pk=data.pop("party_org")),
                actor=request.user,
                request=request,
                **data,
            )
        except VisitError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已登记干部“{cadre.name}”")
            return redirect("visits:cadre_detail", cadre.pk)
    return render(request, "visits/form.html", {"form": form, "title": "登记干部及任职"})


@never_cache
@require_perm("visits.view")
@require_http_methods(["GET", "POST"])
def cadre_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The cadre's posts and visits; POST (with visits.record) adds a post."""
    cadre = access.get_cadre_for_user(request.user, pk, request=request)
    can_record = user_has_perm(request.user, "visits.record")
    orgs = party_orgs_visible_to(request.user, "visits.record").filter(is_active=True)
    form = PostForm(orgs, request.POST or None) if can_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您没有执行此操作的权限")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.cadre_post_add(
                    cadre,
                    party_org=orgs.get(pk=data.pop("party_org")),
                    actor=request.user,
                    request=request,
                    **data,
                )
            except VisitError as err:
                _show_error(form, err)
            else:
                messages.success(request, "已添加任职")
                return redirect("visits:cadre_detail", cadre.pk)
    visits = access.visits_visible_to(request.user).filter(cadre=cadre).select_related("unit")
    return render(
        request,
        "visits/cadre_detail.html",
        {
            "cadre": cadre,
            "posts": selectors.cadre_detail_posts(cadre),
            "visits": visits.order_by("-visited_on", "-id")[:50],
            "form": form,
        },
    )
