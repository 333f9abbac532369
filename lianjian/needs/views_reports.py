"""Needs on paper and in files: the printable work order (工单打印), its PDF, the
statistics PDF and the list's Excel export.

Each reads through the same chokepoints as the pages (`get_need_for_user`,
`needs_filtered`, `stats.need_stats`); every file handed out is audited, and
phones stay masked unless the viewer holds `needs.unmask` and states a reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.audit import audit_record
from lianjian.core.masking import mask
from lianjian.core.pdf import pdf_response, render_pdf
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.needs import listing, selectors
from lianjian.needs.access import get_need_for_user
from lianjian.needs.models import Need
from lianjian.orgs.models import Region

EXPORT_RATE = (20, 60)  # files per user and client per minute (S22)


def _workorder_context(need: Need) -> dict[str, Any]:
    street = (
        Region.objects.filter(pk=need.street_id).values_list("name", flat=True).first()
        if need.street_id
        else None
    )
    return {
        "need": need,
        "street_name": street,
        "phone": mask(need.contact_phone, "mobile"),
        "events": need.events.select_related("actor", "department").order_by("at", "id"),
    }


def _need(request: AuthenticatedRequest, pk: int) -> Need:
    need = get_need_for_user(request.user, pk, request=request)
    return (
        Need.objects.select_related("category", "department", "region", "unit")
        .filter(pk=need.pk)
        .get()
    )


@require_safe
@require_perm("needs.view")
def need_print(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The work order laid out for paper; the print stylesheet drops the page around it."""
    return render(request, "needs/workorder.html", _workorder_context(_need(request, pk)))


@require_safe
@require_perm("needs.view")
def need_workorder_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    limited = rate_limited(request, "needs.export", limit=EXPORT_RATE[0], window=EXPORT_RATE[1])
    if limited is not None:
        return limited
    need = _need(request, pk)
    data = render_pdf("needs/workorder_pdf.html", _workorder_context(need), request)
    audit_record("need.workorder_pdf", request=request, obj=need, scope=f"street:{need.street_id}")
    return pdf_response(data, f"workorder-{need.tracking_code}.pdf")


@require_safe
@require_perm("needs.stats")
def need_stats_pdf(request: AuthenticatedRequest) -> HttpResponseBase:
    from lianjian.needs.views import _stats

    limited = rate_limited(request, "needs.export", limit=EXPORT_RATE[0], window=EXPORT_RATE[1])
    if limited is not None:
        return limited
    ctx = _stats(request)
    data = render_pdf("needs/stats_pdf.html", ctx, request)
    audit_record(
        "needs.stats_pdf",
        request=request,
        detail={"by": ctx["dimension"], "start": str(ctx["start"]), "end": str(ctx["end"])},
    )
    return pdf_response(data, f"needs-stats-{ctx['start']}-{ctx['end']}.pdf")


@require_safe
@require_perm("needs.view")
def need_list_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """The list's needs as they are filtered and sorted now, as an Excel file."""
    from lianjian.ledger.exporter import stamp, write_workbook, xlsx_response

    limited = rate_limited(request, "needs.export", limit=EXPORT_RATE[0], window=EXPORT_RATE[1])
    if limited is not None:
        return limited
    filters = listing.list_filters(request.GET)
    full = request.GET.get("full") == "1"
    reason = (request.GET.get("reason") or "").strip()[:200]
    if full and not user_has_perm(request.user, "needs.unmask"):
        full = False
    if full and not reason:
        messages.error(request, "导出完整手机号须填写用途")
        keep = request.GET.copy()
        keep.pop("full", None)
        return redirect(f"{reverse('needs:list')}?{keep.urlencode()}")
    qs = selectors.needs_filtered(request.user, filters)
    rows, more = listing.export_rows(qs, request.GET.get("sort", ""), full_phones=full)
    audit_record(
        "needs.list_export",
        request=request,
        detail={
            "filters": {k: v for k, v in filters.items() if v},
            "rows": len(rows),
            "full_phones": full,
            **({"reason": reason} if full else {}),
        },
    )
    title = "需求工单" + (f"（前 {listing.EXPORT_LIMIT} 条）" if more else "")
    return xlsx_response(
        write_workbook([(title, listing.EXPORT_HEADERS, rows)]), stamp("needs_list")
    )
