"""Retrying a background import or export that broke off (QUALITY.md R6): owner only, POST."""

from __future__ import annotations

from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.audit import audit_record
from lianjian.core.ratelimit import rate_limited
from lianjian.ledger.export_jobs import ExportRetryRefused, export_retry
from lianjian.ledger.jobs import RetryRefused, job_retry
from lianjian.ledger.kinds import kind_for
from lianjian.ledger.models import ExportJob, ImportJob
from lianjian.ledger.views import EXPORT_LIMIT, _own_job, kind_perm


@kind_perm("import")
@require_POST
def import_job_retry(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A new run of the same upload; the page of the new run follows."""
    job: ImportJob = _own_job(request, ImportJob, pk, "导入任务")
    try:
        again = job_retry(job.pk, user=request.user, request=request)
    except RetryRefused as exc:
        messages.error(request, exc.message)
        return redirect("ledger:job", pk=job.pk)
    audit_record(
        "ledger.import_retry",
        request=request,
        obj=again,
        detail={"kind": job.kind, "retry_of": job.pk},
    )
    return redirect("ledger:job", pk=again.pk)


@kind_perm("export")
@require_POST
def export_job_retry(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A new run with the same filters, counted against the export rate limit (S22)."""
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    job: ExportJob = _own_job(request, ExportJob, pk, "导出任务")
    declared = kind_for(job.kind)
    try:
        again = export_retry(job.pk, user=request.user)
    except ExportRetryRefused as exc:
        messages.error(request, exc.message)
        return redirect("ledger:export_job", pk=job.pk)
    audit_record(
        f"export.{job.kind}",
        request=request,
        object_type=declared.audit_type if declared else job.kind,
        detail={"rows": job.total_rows, "full": False, "background": True, "retry_of": job.pk},
    )
    return redirect("ledger:export_job", pk=again.pk)
