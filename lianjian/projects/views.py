"""Desk pages for community and street staff: publish, confirm, registrations, report.

Thin views: reads from `selectors`, single rows through `access` (404 outside
scope), writes through the services; a `ProjectError` lands on its form
field (or as a message) and nothing is written. The phone pages for
claimants are in `views_phone.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.audit import audit_record
from lianjian.core.masking import mask
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.access import get_in_scope
from lianjian.projects import access, exports, selectors, services, services_delivery, services_reg
from lianjian.projects.forms import ItemForm, ReasonForm
from lianjian.projects.models import ClaimStatus, ItemStatus, Kind, RegStatus
from lianjian.projects.services import ProjectError

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PAGE_SIZE = 20


def _communities(user: User) -> list[tuple[int, str]]:
    return list(selectors.report_communities(user, perm=access.MANAGE).values_list("pk", "name"))


@require_perm("projects.manage")
def item_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status", "kind", "community")}
    error = ""
    try:
        qs = selectors.items_filtered(request.user, filters)
    except ValueError as exc:
        error, qs = str(exc), access.items_managed_by(request.user).none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/item_list.html",
        {
            "page": page,
            "filters": filters,
            "error": error,
            "statuses": ItemStatus.choices,
            "kinds": Kind.choices,
            "communities": _communities(request.user),
            "querystring_base": querystring_without_page(request),
            "to_confirm": selectors.claims_to_confirm(request.user).count(),
            "pending_regs": selectors.registrations_pending(request.user).count(),
        },
    )


@never_cache
@require_perm("projects.manage")
@require_http_methods(["GET", "POST"])
def item_create(request: AuthenticatedRequest) -> HttpResponse:
    communities = _communities(request.user)
    form = ItemForm(communities, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        region = get_in_scope(
            selectors.report_communities(request.user, perm=access.MANAGE),
            data.pop("community"),
            user=request.user,
            request=request,
        )
        name = data.pop("beneficiary_name").strip()
        mobile = data.pop("beneficiary_mobile").strip()
        consent = data.pop("beneficiary_consent")
        beneficiaries: list[services.BeneficiaryData] = (
            [{"name": name, "mobile": mobile, "consent": consent}] if name else []
        )
        try:
            item = services.item_create(
                region=region,
                beneficiaries=beneficiaries,
                actor=request.user,
                request=request,
                **data,
            )
        except ProjectError as err:
            field = {"consent": "beneficiary_consent", "mobile": "beneficiary_mobile"}.get(
                err.field or "", err.field
            )
            form.add_error(field if field in form.fields else None, err.message)
        else:
            messages.success(
                request, f"已{'发布' if data['publish_now'] else '保存'}“{item.title}”"
            )
            return redirect("projects:detail", item.pk)
    return render(request, "projects/item_form.html", {"form": form, "title": "发布项目"})


@require_perm("projects.view")
def item_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = access.get_item_for_user(request.user, pk, request=request)
    managed = access.items_managed_by(request.user).filter(pk=item.pk).exists()
    if not managed:
        return redirect("projects:phone_item", item.pk)
    claims = list(
        item.claims.select_related("party_org", "member").prefetch_related("progress__photos")
    )
    beneficiaries = [
        {
            "name": mask(b.name, "name"),
            "mobile": mask(b.mobile, "mobile"),
            "withdrawn": bool(b.consent_withdrawn_at),
        }
        for b in item.beneficiaries.all()
    ]
    return render(
        request,
        "projects/item_detail.html",
        {
            "item": item,
            "claims": claims,
            "events": item.events.select_related("actor").order_by("-at", "-id")[:50],
            "beneficiaries": beneficiaries,
            "can_publish": item.status == ItemStatus.DRAFT,
            "can_withdraw": item.status in (ItemStatus.DRAFT, ItemStatus.PUBLISHED)
            and not any(c.status in ("claimed", "in_progress", "delivered") for c in claims),
            "can_close": item.status == ItemStatus.IN_PROGRESS and item.slots_left > 0,
            "delivered": ClaimStatus.DELIVERED,
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@require_perm("projects.manage")
def item_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    item = access.get_managed_item(request.user, pk, request=request)
    try:
        if action == "publish":
            services.item_publish(item, actor=request.user, request=request)
            messages.success(request, "已发布")
        elif action == "withdraw":
            services.item_withdraw(
                item, reason=request.POST.get("reason", ""), actor=request.user, request=request
            )
            messages.success(request, "已撤回")
        elif action == "close":
            services.item_close(item, actor=request.user, request=request)
            messages.success(request, "已结项")
        else:
            raise Http404("未知操作")
    except ProjectError as err:
        messages.error(request, err.message)
    return redirect("projects:detail", item.pk)


@require_POST
@require_perm("projects.manage")
def claim_decide(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    claim = access.get_managed_claim(request.user, pk, request=request)
    try:
        if action == "confirm":
            services_delivery.claim_confirm(claim, actor=request.user, request=request)
            messages.success(request, f"已确认“{claim.claimant_name}”的交付")
        elif action == "return":
            services_delivery.claim_return(
                claim, reason=request.POST.get("reason", ""), actor=request.user, request=request
            )
            messages.success(request, "已退回认领方")
        else:
            raise Http404("未知操作")
    except ProjectError as err:
        messages.error(request, err.message)
    return redirect("projects:detail", claim.item_id)


@require_perm("projects.manage")
def registration_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "").strip()
    error = ""
    try:
        qs = selectors.registrations_filtered(request.user, status)
    except ValueError as exc:
        error, qs = str(exc), selectors.registrations_filtered(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/registration_list.html",
        {
            "page": page,
            "status": status,
            "statuses": RegStatus.choices,
            "error": error,
            "querystring_base": querystring_without_page(request),
            "report": selectors.registration_report(request.user)
            if user_has_perm(request.user, "projects.report")
            else [],
        },
    )


@require_POST
@require_perm("projects.manage")
def registration_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reg = access.get_managed_registration(request.user, pk, request=request)
    approve = request.POST.get("decision") == "approve"
    try:
        services_reg.registration_decide(
            reg,
            approve=approve,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            request=request,
        )
        messages.success(request, "已通过报到" if approve else "已退回报到")
    except ProjectError as err:
        messages.error(request, err.message)
    return redirect("projects:registrations")


class ReportContext(TypedDict):
    report: selectors.Report
    units: list[selectors.Row]
    pairs: list[selectors.PairRow]
    start: dt.date
    end: dt.date
    programme: str
    error: str


def _report_context(request: AuthenticatedRequest) -> ReportContext:
    error = ""
    try:
        start, end = selectors.period(request.GET)
    except ValueError as exc:
        error = str(exc)
        start, end = selectors.period({})
    programme = request.GET.get("programme", "").strip()[:50]
    report = selectors.community_report(request.user, start, end, programme=programme)
    return {
        "report": report,
        "units": selectors.unit_report(request.user, start, end, limit=30),
        "pairs": selectors.pairs_report(request.user, start, end),
        "start": start,
        "end": end,
        "programme": programme,
        "error": error,
    }


@require_perm("projects.report")
def report(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "projects/report.html", _report_context(request))


@require_perm("projects.report")
def report_export(request: AuthenticatedRequest) -> HttpResponse:
    ctx = _report_context(request)
    audit_record("project.report_export", request=request, detail={"start": str(ctx["start"])})
    return exports.report_xlsx(ctx["report"], ctx["units"])


@require_perm("projects.view")
def photo(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """A progress photo, for whoever may see its claim (404 otherwise)."""
    found = access.get_photo_for_user(request.user, token)
    if found is None:
        raise Http404("照片不存在")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
