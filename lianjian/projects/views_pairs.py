"""Desk pages of 帮扶对子: the list, a new pair, a pair's page, logging a visit, ending.

A pair is read through `access.get_pair_for_user` and changed through
`access.get_writable_pair` (404 outside scope); every refusal of the services
(`ProjectError`) is shown in Chinese and nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_any_perm, require_perm
from lianjian.orgs.access import get_in_scope
from lianjian.orgs.models import Region
from lianjian.projects import access, selectors_pairs, services_pairs
from lianjian.projects.forms import PAIR_CONSENT_TEXT, PairEndForm, PairForm, PairVisitForm
from lianjian.projects.services import ProjectError

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PAGE_SIZE = 20
WRITERS = ("projects.manage", "projects.claim")


def _registration_choices(user: User) -> list[tuple[int, str]]:
    regs = access.pair_registrations(user).order_by("region__name", "party_org__name")[:500]
    return [(r.pk, f"{r.party_org.name if r.party_org else ''}（{r.region.name}）") for r in regs]


def _first_error(form: Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return "填写有误"


@require_perm("projects.view")
def pair_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("community", "state")}
    error = ""
    try:
        qs = selectors_pairs.pairs_filtered(request.user, filters)
    except ValueError as exc:
        error, qs = str(exc), access.pairs_visible_to(request.user).none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    reach = access.PersonalReach(request.user)
    rows = [(p, selectors_pairs.household(reach, p)) for p in page.object_list]
    communities = Region.objects.filter(
        pk__in=access.pairs_visible_to(request.user).values("community_id")
    ).order_by("path")
    return render(
        request,
        "projects/pair_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "error": error,
            "states": selectors_pairs.STATES,
            "communities": list(communities.values_list("pk", "name")),
            "querystring_base": querystring_without_page(request),
            "can_create": access.pair_registrations(request.user).exists(),
        },
    )


@never_cache
@require_any_perm(*WRITERS)
@require_http_methods(["GET", "POST"])
def pair_create(request: AuthenticatedRequest) -> HttpResponse:
    choices = _registration_choices(request.user)
    form = PairForm(choices, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reg = get_in_scope(
            access.pair_registrations(request.user),
            data.pop("registration"),
            user=request.user,
            request=request,
        )
        try:
            pair = services_pairs.pair_create(
                registration=reg, actor=request.user, request=request, **data
            )
        except ProjectError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, f"已登记帮扶对子“{pair.household_name}”")
            return redirect("projects:pair_detail", pair.pk)
    return render(
        request,
        "projects/pair_form.html",
        {"form": form, "has_registrations": bool(choices), "consent_text": PAIR_CONSENT_TEXT},
    )


@never_cache
@require_perm("projects.view")
def pair_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pair = access.get_pair_for_user(request.user, pk, request=request)
    pair, visits = selectors_pairs.pair_detail(request.user, pair)
    writable = access.pairs_writable_by(request.user).filter(pk=pair.pk).exists()
    reach = access.PersonalReach(request.user)
    return render(
        request,
        "projects/pair_detail.html",
        {
            "pair": pair,
            "visits": visits,
            "household": selectors_pairs.household(reach, pair),
            "photos": reach.sees(pair),
            "writable": writable and pair.ended_on is None,
            "visit_form": PairVisitForm(),
            "end_form": PairEndForm(),
        },
    )


@require_POST
@require_any_perm(*WRITERS)
def pair_visit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pair = access.get_writable_pair(request.user, pk, request=request)
    form = PairVisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("projects:pair_detail", pair.pk)
    try:
        services_pairs.pair_visit_log(
            pair, actor=request.user, request=request, **form.cleaned_data
        )
    except ProjectError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "已记录帮扶")
    return redirect("projects:pair_detail", pair.pk)


@require_POST
@require_any_perm(*WRITERS)
def pair_end(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pair = access.get_writable_pair(request.user, pk, request=request)
    form = PairEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("projects:pair_detail", pair.pk)
    try:
        services_pairs.pair_end(
            pair, ended_on=form.cleaned_data["ended_on"], actor=request.user, request=request
        )
    except ProjectError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "帮扶对子已结束，困难情况已删除")
    return redirect("projects:pair_detail", pair.pk)
