"""Ledger pages: import (template, upload, job progress, error report) and exports, of
every kind the registries declare (`lianjian.ledger.kinds`); the coverage pages are
`views_coverage`."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.audit import audit_record
from lianjian.core.ledger_kinds import LedgerKind
from lianjian.core.permissions import ensure_perm, user_has_any_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.ledger import exporter
from lianjian.ledger.export_jobs import export_submit, is_expired, sync_max_rows
from lianjian.ledger.jobs import error_preview, job_reject, job_submit
from lianjian.ledger.kinds import export_perms, import_perms, kind_for, kinds
from lianjian.ledger.models import ExportJob, ImportJob

EXPORT_LIMIT = 20  # exports per user per minute (S22)


def _uid(request: AuthenticatedRequest) -> int:
    return int(request.user.pk or 0)


def _kind(request: AuthenticatedRequest, key: str, which: str) -> LedgerKind:
    """The declared kind `key`, for a user holding its import (or export) permission.

    Called by `kind_perm` views: who holds none of the kinds' permissions was
    refused already (403), so an unknown kind tells them nothing; an unknown
    kind answers 404.
    """
    kind = kind_for(key)
    if kind is None:
        raise Http404("未知的台账类型")
    ensure_perm(request, kind.import_perm if which == "import" else kind.export_perm)
    return kind


F = TypeVar("F", bound=Callable[..., Any])


def kind_perm(which: str) -> Callable[[F], F]:
    """Declares a page opened by the import (or export) permission of some kind; each
    view checks it (`_kind`, `_own_job`): the kinds are read when the request comes."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> Any:
            ensure_perm(request, import_perms() if which == "import" else export_perms())
            return view(request, *args, **kwargs)

        wrapped.lianjian_permission = f"ledger.kinds:{which}"  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def _own_job(request: AuthenticatedRequest, model: Any, pk: int, what: str) -> Any:
    """A user sees only their own import and export jobs; others answer 404 (audited)."""
    job = model.objects.filter(pk=pk, user_id=_uid(request)).first()
    if job is None:
        audit_record(
            "access.denied",
            request=request,
            object_type=model._meta.label_lower,
            object_id=pk,
            result="denied",
            detail={"reason": "not found in scope"},
        )
        raise Http404(f"未找到该{what}")
    declared = kind_for(job.kind)
    if declared is not None:  # a kind no longer declared: its owner may still see the job
        ensure_perm(request, declared.import_perm if model is ImportJob else declared.export_perm)
    return job


def _job_for(request: AuthenticatedRequest, pk: int) -> ImportJob:
    job: ImportJob = _own_job(request, ImportJob, pk, "导入任务")
    return job


# ---------------------------------------------------------------- import


@kind_perm("import")
def ledger_home(request: AuthenticatedRequest) -> HttpResponse:
    jobs = ImportJob.objects.filter(user_id=_uid(request)).defer("content", "error_report")[:20]
    exports = ExportJob.objects.filter(user_id=_uid(request)).defer("content")[:10]
    offered = [
        (k.key, k.label) for k in kinds().values() if user_has_any_perm(request.user, k.import_perm)
    ]
    return render(
        request,
        "ledger/home.html",
        {"kinds": offered, "jobs": jobs, "exports": exports},
    )


@kind_perm("import")
def import_template(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    declared = _kind(request, kind, "import")
    return exporter.xlsx_response(
        exporter.import_template(declared), f"{declared.label}台账导入模板.xlsx"
    )


@kind_perm("import")
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    declared = _kind(request, kind, "import")
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": declared.label,
        "columns": declared.columns,
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要导入的台账文件（.xlsx、.xls 或 .csv）"
            return render(request, "ledger/upload.html", context, status=400)
        name = upload.name or ""
        if (upload.size or 0) > settings.EXCEL_UPLOAD_MAX_BYTES:
            # refused without reading the body into memory
            job = job_reject(kind, user=request.user, file_name=name, size=upload.size or 0)
        else:
            job = job_submit(
                kind,
                upload.read(),
                user=request.user,
                file_name=name,
                request=request,
                valid_only=request.POST.get("mode") == "valid_only",
            )
        return redirect("ledger:job", pk=job.pk)
    return render(request, "ledger/upload.html", context)


@kind_perm("import")
def job_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    template = "ledger/_job_status.html" if request.headers.get("HX-Request") else "ledger/job.html"
    return render(
        request, template, {"job": job, "error_rows": error_preview(job) if job.is_done else []}
    )


@kind_perm("import")
def job_errors(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = _job_for(request, pk)
    if not job.error_report:
        raise Http404("该任务没有错误报告")
    return exporter.xlsx_response(
        io.BytesIO(bytes(job.error_report)), f"导入错误报告_{job.pk}.xlsx"
    )


# ---------------------------------------------------------------- export


@kind_perm("export")
@require_http_methods(["GET", "POST"])
def export_list(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """Export a filtered list (same filters as the list pages). Full personal data only
    by POST with a reason, for a holder of the kind's `unmask_perm`; each export is audited."""
    declared = _kind(request, kind, "export")
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    params = request.POST if request.method == "POST" else request.GET
    unmask = declared.unmask_perm
    full = bool(unmask) and request.method == "POST" and params.get("full") == "1"
    reason = str(params.get("reason", "")).strip()
    if full and unmask:
        if not user_has_any_perm(request.user, unmask):
            audit_record(
                "export.denied",
                request=request,
                result="denied",
                detail={"kind": kind, "reason": f"no {unmask}"},
            )
            return render(
                request,
                "core/error.html",
                {"title": "无权导出完整信息", "message": "您没有查看完整身份证号和手机号的权限。"},
                status=403,
            )
        if len(reason) < 2:
            return render(
                request,
                "core/error.html",
                {"title": "须填写事由", "message": "导出完整身份证号和手机号须填写事由。"},
                status=400,
            )
    qs = declared.export_query(request.user, params)
    if full:
        # a full export covers only the rows the unmask grant itself reaches
        qs = qs & declared.export_query(request.user, params, perm=unmask)
    count = qs.count()
    limit = sync_max_rows()
    if full and count > limit:
        return render(
            request,
            "core/error.html",
            {
                "title": "导出行数过多",
                "message": f"完整信息导出单次不超过 {limit} 行（本次 {count} 行），"
                "请按街道、社区或党组织筛选后分批导出。",
            },
            status=400,
        )
    filters = {
        k: str(v)[:200] for k, v in params.items() if k not in ("csrfmiddlewaretoken", "reason")
    }
    audit_record(
        f"export.{kind}",
        request=request,
        object_type=declared.audit_type,
        detail={
            "rows": count,
            "full": full,
            "reason": reason[:200] if full else "",
            "filters": {k: v[:50] for k, v in filters.items()},
            "background": count > limit,
        },
    )
    if count > limit:
        job = export_submit(kind, filters, user=request.user, total_rows=count)
        return redirect("ledger:export_job", pk=job.pk)
    handle = exporter.export_list(declared, qs, full=full)
    return exporter.xlsx_response(handle, exporter.stamp(declared.label))


@kind_perm("export")
def export_job_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job: ExportJob = _own_job(request, ExportJob, pk, "导出任务")
    template = (
        "ledger/_export_status.html"
        if request.headers.get("HX-Request")
        else "ledger/export_job.html"
    )
    return render(request, template, {"job": job, "expired": is_expired(job)})


@kind_perm("export")
def export_job_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job: ExportJob = _own_job(request, ExportJob, pk, "导出任务")
    if job.status != ExportJob.Status.SUCCEEDED or not job.content or is_expired(job):
        raise Http404("该导出文件不存在或已过期")
    audit_record(
        "export.download",
        request=request,
        obj=job,
        detail={"kind": job.kind, "rows": job.total_rows},
    )
    return exporter.xlsx_response(io.BytesIO(bytes(job.content)), job.file_name)
