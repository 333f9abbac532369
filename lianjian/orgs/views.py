"""Registry pages: regions, units, Party organizations and members.

Views stay thin: lists come from `selectors`, single rows from the scope
chokepoint in `access` (404 outside the user's scope), writes from
`services`. A `RegistryError` is shown on its field and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lianjian.core.actors import ActorRequest
from lianjian.core.lists import sort_order
from lianjian.core.paging import CappedPaginator, querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs import access, selectors, services
from lianjian.orgs.forms import (
    DeactivateForm,
    PartyOrgForm,
    RegionCreateForm,
    RegionEditForm,
    UnitForm,
)
from lianjian.orgs.list_filters import region_filter
from lianjian.orgs.models import PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.panels import unit_panels
from lianjian.orgs.services import RegistryError

PAGE_SIZE = 20
# sortable columns of the lists (`?sort=name`, `?sort=-name`), each with a tie-breaker
UNIT_SORTS = {
    "id": ("id",),
    "name": ("name", "id"),
    "kind": ("kind", "id"),
    "employees": ("employees", "id"),
    "region": ("region__path", "id"),
}
ORG_SORTS = {
    "tree": ("path",),
    "name": ("sort_key", "id"),
    "level": ("level", "sort_key", "id"),
    "formation": ("formation", "sort_key", "id"),
    "region": ("region__path", "sort_key", "id"),
}
UNIT_REGION_LEVELS = (Region.Level.COMMUNITY, Region.Level.AREA)


def _page(request: ActorRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _capped_page(request: ActorRequest, qs: QuerySet[Any]) -> Page[Any]:
    """A page of members: counted to `MEMBER_COUNT_AHEAD` rows past this page."""
    paginator = CappedPaginator(qs, PAGE_SIZE, selectors.member_rows, selectors.MEMBER_COUNT_AHEAD)
    return paginator.get_page(request.GET.get("page", ""))


def _show_error(form: forms.Form, err: RegistryError) -> None:
    """Put the service's Chinese message on its field, or above the form."""
    form.add_error(err.field if err.field in form.fields else None, err.message)


def _filters(request: ActorRequest, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in names}


def _form_page(
    request: ActorRequest, form: forms.Form, title: str, cancel_url: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "orgs/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, **extra},
    )


def _confirm_page(
    request: ActorRequest, form: forms.Form, obj: Any, what: str, cancel_url: str
) -> HttpResponse:
    return render(
        request,
        "orgs/confirm_deactivate.html",
        {"form": form, "obj": obj, "what": what, "cancel_url": cancel_url},
    )


# ---------------------------------------------------------------- regions


@require_perm("orgs.view_region")
def region_list(request: ActorRequest) -> HttpResponse:
    filters = _filters(request, "q", "level", "area_type", "active")
    page = _page(request, selectors.regions_filtered(request.user, filters))
    base_depth = min((r.depth for r in page.object_list), default=1)
    for region in page.object_list:
        steps = region.depth - base_depth
        # indentation as text: CSP forbids inline styles
        region.indent = "\u3000" * steps + ("└ " if steps else "")
    return render(
        request,
        "orgs/region_list.html",
        {
            "page": page,
            "filters": filters,
            "levels": Region.Level.choices,
            "area_types": Region.AreaType.choices,
            "querystring_base": querystring_without_page(request),
            "can_change": user_has_perm(request.user, "orgs.change_region"),
        },
    )


@require_perm("orgs.view_region")
def region_detail(request: ActorRequest, pk: int) -> HttpResponse:
    region = access.get_region_for_user(request.user, pk, request=request)
    children = access.regions_visible_to(request.user).filter(
        path__startswith=region.path, depth=region.depth + 1
    )
    return render(
        request,
        "orgs/region_detail.html",
        {
            "region": region,
            "ancestors": selectors.region_ancestors(region),
            "children": children.order_by("path"),
            "summary": selectors.region_summary(request.user, region),
            "can_change": user_has_perm(request.user, "orgs.change_region"),
        },
    )


@never_cache
@require_perm("orgs.change_region")
@require_http_methods(["GET", "POST"])
def region_create(request: ActorRequest, pk: int) -> HttpResponse:
    """A child region under `pk`; roots (districts) are created by the setup command."""
    parent = access.get_region_for_user(request.user, pk, "orgs.change_region", request=request)
    if not parent.is_active:
        messages.error(request, "该区域已撤销，不能再添加下级区域")
        return redirect("orgs:region_detail", parent.pk)
    form = RegionCreateForm(parent, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_create(parent=parent, actor=request.user, **form.cleaned_data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已添加区域“{region.name}”")
            return redirect("orgs:region_detail", region.pk)
    return _form_page(
        request,
        form,
        f"在“{parent.name}”下添加区域",
        reverse("orgs:region_detail", args=[parent.pk]),
    )


@never_cache
@require_perm("orgs.change_region")
@require_http_methods(["GET", "POST"])
def region_edit(request: ActorRequest, pk: int) -> HttpResponse:
    region = access.get_region_for_user(request.user, pk, "orgs.change_region", request=request)
    initial = {"name": region.name, "area_type": region.area_type, "code": region.code}
    form = RegionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_update(region, actor=request.user, **form.cleaned_data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, "区域信息已保存")
            return redirect("orgs:region_detail", region.pk)
    return _form_page(
        request, form, f"编辑区域：{region.name}", reverse("orgs:region_detail", args=[region.pk])
    )


@never_cache
@require_perm("orgs.change_region")
@require_http_methods(["GET", "POST"])
def region_deactivate(request: ActorRequest, pk: int) -> HttpResponse:
    region = access.get_region_for_user(request.user, pk, "orgs.change_region", request=request)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_deactivate(region, actor=request.user)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"区域“{region.name}”已撤销")
            return redirect("orgs:region_detail", region.pk)
    return _confirm_page(
        request, form, region, "撤销区域", reverse("orgs:region_detail", args=[region.pk])
    )


# ---------------------------------------------------------------- units


@require_perm("orgs.view_unit")
def unit_list(request: ActorRequest) -> HttpResponse:
    filters = _filters(
        request, "q", "kind", "industry", "is_above_scale", "is_foreign_invested", "region"
    )
    filters["active"] = request.GET.get("active", "1")
    if filters["q"]:
        limited = rate_limited(
            request,
            "orgs.unit_search",
            limit=selectors.UNIT_SEARCH_RATE[0],
            window=selectors.UNIT_SEARCH_RATE[1],
        )
        if limited:
            return limited
    sort, order = sort_order(request, UNIT_SORTS, "-id")
    page = _page(request, selectors.units_filtered(request.user, filters).order_by(*order))
    return render(
        request,
        "orgs/unit_list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "kinds": UnitKind.choices,
            "region_picker": region_filter(request, filters["region"]),
            "querystring_base": querystring_without_page(request),
            "can_change": user_has_perm(request.user, "orgs.change_unit"),
        },
    )


@require_perm("orgs.view_unit")
def unit_detail(request: ActorRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk, request=request)
    coverages = unit.coverages.select_related("party_org").order_by("-since", "-id")
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "coverages": coverages,
            # visits, needs…: sections the apps above orgs contribute (`orgs.panels`)
            "panels": unit_panels(request, unit),
            "can_view_orgs": user_has_perm(request.user, "orgs.view_partyorg"),
            "member_count": access.members_visible_to(request.user)
            .filter(workplace_unit=unit, is_active=True)
            .count(),
            "can_change": user_has_perm(request.user, "orgs.change_unit"),
        },
    )


def _unit_regions(request: ActorRequest) -> QuerySet[Region]:
    return selectors.region_choices(request.user, "orgs.change_unit", UNIT_REGION_LEVELS)


@never_cache
@require_perm("orgs.change_unit")
@require_http_methods(["GET", "POST"])
def unit_create(request: ActorRequest) -> HttpResponse:
    form = UnitForm(_unit_regions(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已登记单位“{unit.name}”")
            return redirect("orgs:unit_detail", unit.pk)
    return _form_page(request, form, "登记单位", reverse("orgs:unit_list"))


@never_cache
@require_perm("orgs.change_unit")
@require_http_methods(["GET", "POST"])
def unit_edit(request: ActorRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk, "orgs.change_unit", request=request)
    form = UnitForm(
        _unit_regions(request), request.POST or None, initial=UnitForm.initial_for(unit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(unit, actor=request.user, **form.cleaned_data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, "单位信息已保存")
            return redirect("orgs:unit_detail", unit.pk)
    return _form_page(
        request, form, f"编辑单位：{unit.name}", reverse("orgs:unit_detail", args=[unit.pk])
    )


@never_cache
@require_perm("orgs.change_unit")
@require_http_methods(["GET", "POST"])
def unit_deactivate(request: ActorRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk, "orgs.change_unit", request=request)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_deactivate(unit, actor=request.user)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"单位“{unit.name}”已注销")
            return redirect("orgs:unit_detail", unit.pk)
    return _confirm_page(
        request, form, unit, "注销单位", reverse("orgs:unit_detail", args=[unit.pk])
    )


# ---------------------------------------------------------------- Party organizations


@require_perm("orgs.view_partyorg")
def partyorg_list(request: ActorRequest) -> HttpResponse:
    filters = _filters(request, "q", "level", "formation", "org_type", "region")
    filters["active"] = request.GET.get("active", "1")
    sort, order = sort_order(request, ORG_SORTS, "tree")
    page = _page(request, selectors.party_orgs_filtered(request.user, filters).order_by(*order))
    return render(
        request,
        "orgs/partyorg_list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "levels": PartyOrg.Level.choices,
            "formations": PartyOrg.Formation.choices,
            "org_types": PartyOrg.OrgType.choices,
            "region_picker": region_filter(request, filters["region"]),
            "querystring_base": querystring_without_page(request),
            "can_change": user_has_perm(request.user, "orgs.change_partyorg"),
        },
    )


@require_perm("orgs.view_partyorg")
def partyorg_detail(request: ActorRequest, pk: int) -> HttpResponse:
    org = access.get_party_org_for_user(request.user, pk, request=request)
    coverages = org.coverages.select_related("unit").order_by("-since", "-id")
    return render(
        request,
        "orgs/partyorg_detail.html",
        {
            "org": org,
            "ancestors": selectors.party_org_ancestors(org),
            "children": selectors.party_org_children(request.user, org),
            "coverages": coverages,
            "member_count": access.members_visible_to(request.user)
            .filter(party_org=org, is_active=True)
            .count(),
            "can_change": user_has_perm(request.user, "orgs.change_partyorg"),
            "can_view_members": user_has_perm(request.user, "orgs.view_member"),
        },
    )


def _partyorg_form(request: ActorRequest, org: PartyOrg | None) -> PartyOrgForm:
    perm = "orgs.change_partyorg"
    return PartyOrgForm(
        request.POST or None,
        initial=PartyOrgForm.initial_for(org) if org else None,
        parents=None if org else selectors.party_org_choices(request.user, perm, parents_only=True),
        regions=selectors.region_choices(request.user, perm),
        units=selectors.unit_choices(request.user, perm),
    )


@never_cache
@require_perm("orgs.change_partyorg")
@require_http_methods(["GET", "POST"])
def partyorg_create(request: ActorRequest) -> HttpResponse:
    form = _partyorg_form(request, None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        parent = data.pop("parent")
        covered = list(data.pop("covered_units"))
        try:
            org = services.party_org_create(
                parent=parent, covered_units=covered, actor=request.user, **data
            )
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已建立党组织“{org.name}”")
            return redirect("orgs:partyorg_detail", org.pk)
    return _form_page(request, form, "新建党组织", reverse("orgs:partyorg_list"))


@never_cache
@require_perm("orgs.change_partyorg")
@require_http_methods(["GET", "POST"])
def partyorg_edit(request: ActorRequest, pk: int) -> HttpResponse:
    org = access.get_party_org_for_user(request.user, pk, "orgs.change_partyorg", request=request)
    form = _partyorg_form(request, org)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        covered = list(data.pop("covered_units"))
        # links to units outside this user's scope are not theirs to drop
        offered = form.fields["covered_units"].queryset  # type: ignore[attr-defined]
        covered += list(
            Unit.objects.filter(coverages__party_org=org, coverages__until__isnull=True).exclude(
                pk__in=offered.values("pk")
            )
        )
        try:
            services.party_org_update(org, covered_units=covered, actor=request.user, **data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, "党组织信息已保存")
            return redirect("orgs:partyorg_detail", org.pk)
    return _form_page(
        request, form, f"编辑党组织：{org.name}", reverse("orgs:partyorg_detail", args=[org.pk])
    )


@never_cache
@require_perm("orgs.change_partyorg")
@require_http_methods(["GET", "POST"])
def partyorg_deactivate(request: ActorRequest, pk: int) -> HttpResponse:
    org = access.get_party_org_for_user(request.user, pk, "orgs.change_partyorg", request=request)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.party_org_deactivate(org, actor=request.user)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"党组织“{org.name}”已撤销")
            return redirect("orgs:partyorg_detail", org.pk)
    return _confirm_page(
        request, form, org, "撤销党组织", reverse("orgs:partyorg_detail", args=[org.pk])
    )
