"""Member pages: the list and its number search, detail and unmasking, the forms.

Split from `views.py` (the regions, units and Party organizations), whose
page helpers these share.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.core.actors import ActorRequest
from lianjian.core.masking import mask
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs import access, selectors, services_members
from lianjian.orgs.forms import (
    DeactivateForm,
    MemberForm,
    UnmaskForm,
)
from lianjian.orgs.list_filters import org_filter_label, region_filter
from lianjian.orgs.models import Member
from lianjian.orgs.services import RegistryError
from lianjian.orgs.views import (
    _capped_page,
    _confirm_page,
    _filters,
    _form_page,
    _show_error,
)

# ---------------------------------------------------------------- members

# exact lookups by full ID number or mobile could enumerate people: keep them slow

NUMBER_IN_URL = "身份证号、手机号不能放在网址中（网址会留在访问日志里）。请在党员列表的搜索框中输入后点击“查询”。"


@never_cache
@require_perm("orgs.view_member")
@require_http_methods(["GET", "POST"])
def member_list(request: ActorRequest) -> HttpResponse:
    if request.method == "POST":
        return _member_search_redirect(request)
    filters = _filters(request, "q", "status", "party_org", "org", "floating", "region")
    filters["active"] = request.GET.get("active", "1")
    if selectors.member_query_kind(filters["q"]):
        # a full ID number or mobile in a URL stays in every access log (S13): the
        # search box posts it (and the URL then carries its blind index), as the API asks
        return render(
            request,
            "core/error.html",
            {"title": "无法查询", "message": NUMBER_IN_URL},
            status=400,
        )
    if filters["q"] or request.GET.get("qi") or request.GET.get("qm"):
        limited = rate_limited(
            request,
            "orgs.member_search",
            limit=selectors.MEMBER_SEARCH_RATE[0],
            window=selectors.MEMBER_SEARCH_RATE[1],
        )
        if limited:
            return limited
    if filters["party_org"] and not filters["party_org"].isdigit():
        filters["party_org"] = ""
    params = {**filters, "qi": request.GET.get("qi", ""), "qm": request.GET.get("qm", "")}
    page = _capped_page(request, selectors.members_filtered(request.user, params))
    # an exact search by ID number or mobile is not written back into the page
    exact = selectors.member_query_kind(filters["q"]) or (
        "id_number" if params["qi"] else "mobile" if params["qm"] else None
    )
    search_box = "" if exact else filters["q"]
    for member in page.object_list:
        member.id_masked = mask(member.id_number, "id_number")
        member.mobile_masked = mask(member.mobile, "mobile")
    return render(
        request,
        "orgs/member_list.html",
        {
            "page": page,
            "filters": filters,
            "search_box": search_box,
            "exact_search": exact,
            "statuses": Member.Status.choices,
            "region_picker": region_filter(request, filters["region"]),
            "org_filter": org_filter_label(request, filters),
            "querystring_base": querystring_without_page(request),
            "can_change": user_has_perm(request.user, "orgs.change_member"),
        },
    )


def _member_search_redirect(request: ActorRequest) -> HttpResponse:
    """The search form posts, so a typed ID number or mobile never lands in a URL."""
    params = selectors.member_search_params(request.POST.get("q", ""))
    for key in ("status", "party_org", "org", "floating", "region"):
        value = request.POST.get(key, "").strip()
        if value:
            params[key] = value
    params["active"] = request.POST.get("active", "1").strip()
    return redirect(reverse("orgs:member_list") + ("?" + urlencode(params) if params else ""))


def _member_detail(
    request: ActorRequest,
    member: Member,
    *,
    unmask_form: UnmaskForm | None = None,
    revealed: dict[str, str] | None = None,
) -> HttpResponse:
    can_unmask = user_has_perm(request.user, "orgs.unmask")
    return render(
        request,
        "orgs/member_detail.html",
        {
            "member": member,
            "id_masked": mask(member.id_number, "id_number"),
            "mobile_masked": mask(member.mobile, "mobile"),
            "can_change": user_has_perm(request.user, "orgs.change_member"),
            "can_unmask": can_unmask,
            "unmask_form": unmask_form or (UnmaskForm() if can_unmask else None),
            "revealed": revealed,
        },
    )


def _get_member(request: ActorRequest, pk: int, perm: str = "orgs.view_member") -> Member:
    member = access.get_member_for_user(request.user, pk, perm, request=request)
    # one query for the related rows the page shows
    return Member.objects.select_related("party_org", "workplace_unit", "residence_community").get(
        pk=member.pk
    )


@never_cache
@require_perm("orgs.view_member")
def member_detail(request: ActorRequest, pk: int) -> HttpResponse:
    return _member_detail(request, _get_member(request, pk))


@never_cache
@require_perm("orgs.unmask")
@require_POST
def member_unmask(request: ActorRequest, pk: int) -> HttpResponse:
    """Show the full ID number and mobile once, for a stated reason (audited, S9)."""
    member = _get_member(request, pk, "orgs.unmask")
    limited = rate_limited(
        request, "orgs.unmask", limit=selectors.UNMASK_RATE[0], window=selectors.UNMASK_RATE[1]
    )
    if limited:
        return limited
    form = UnmaskForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services_members.member_unmask(
                member, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except RegistryError as err:
            _show_error(form, err)
    response = _member_detail(request, member, unmask_form=form, revealed=revealed)
    if revealed is None:
        response.status_code = 400
    return response


def _member_form(request: ActorRequest, member: Member | None) -> MemberForm:
    return MemberForm(
        request.POST or None,
        initial=MemberForm.initial_for(member) if member else None,
        instance=member,
        orgs=selectors.party_org_choices(request.user, "orgs.change_member"),
        units=selectors.unit_choices(request.user, "orgs.view_unit"),
        communities=selectors.residence_community_choices(request.user, "orgs.change_member"),
    )


@never_cache
@require_perm("orgs.change_member")
@require_http_methods(["GET", "POST"])
def member_create(request: ActorRequest) -> HttpResponse:
    form = _member_form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services_members.member_create(
                actor=request.user, via="form", **form.cleaned_data
            )
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"已登记党员“{member.name}”")
            return redirect("orgs:member_detail", member.pk)
    return _form_page(request, form, "登记党员", reverse("orgs:member_list"))


@never_cache
@require_perm("orgs.change_member")
@require_http_methods(["GET", "POST"])
def member_edit(request: ActorRequest, pk: int) -> HttpResponse:
    member = access.get_member_for_user(request.user, pk, "orgs.change_member", request=request)
    form = _member_form(request, member)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for secret in ("id_number", "mobile"):
            if not (data.get(secret) or "").strip():
                data.pop(secret)  # blank means unchanged
        try:
            services_members.member_update(member, actor=request.user, via="form", **data)
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, "党员信息已保存")
            return redirect("orgs:member_detail", member.pk)
    return _form_page(
        request, form, f"编辑党员：{member.name}", reverse("orgs:member_detail", args=[member.pk])
    )


@never_cache
@require_perm("orgs.change_member")
@require_http_methods(["GET", "POST"])
def member_deactivate(request: ActorRequest, pk: int) -> HttpResponse:
    member = access.get_member_for_user(request.user, pk, "orgs.change_member", request=request)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_members.member_deactivate(
                member, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except RegistryError as err:
            _show_error(form, err)
        else:
            messages.success(request, f"党员“{member.name}”已移出名册")
            return redirect("orgs:member_detail", member.pk)
    return _confirm_page(
        request, form, member, "移出党员名册", reverse("orgs:member_detail", args=[member.pk])
    )
