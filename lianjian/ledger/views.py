"""Ledger pages: import (template, upload, job progress, error report), exports, coverage."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.core.audit import audit_record
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.ledger import exporter
from lianjian.ledger.columns import COLUMNS, KIND_LABELS
from lianjian.ledger.export_jobs import (
    LIST_SELECTORS,
    export_submit,
    is_expired,
    sync_max_rows,
)
from lianjian.ledger.jobs import error_preview, job_reject, job_submit
from lianjian.ledger.models import ExportJob, ImportJob
from lianjian.orgs import coverage
from lianjian.orgs.selectors import members_filtered

EXPORT_LIMIT = 20  # exports per user per minute (S22)


def _uid(request: HttpRequest) -> int:
    return int(request.user.pk or 0)


def _kind(kind: str) -> str:
    if kind not in COLUMNS:
        raise Http404("未知的台账类型")
    return kind


def _own_job(request: HttpRequest, model: Any, pk: int, what: str) -> Any:
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
    return job


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    job: ImportJob = _own_job(request, ImportJob, pk, "导入任务")
    return job


# ---------------------------------------------------------------- import


@require_perm("orgs.import")
def ledger_home(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.filter(user_id=_uid(request)).defer("content", "error_report")[:20]
    exports = ExportJob.objects.filter(user_id=_uid(request)).defer("content")[:10]
    return render(
        request,
        "ledger/home.html",
        {"kinds": KIND_LABELS.items(), "jobs": jobs, "exports": exports},
    )


@require_perm("orgs.import")
def import_template(request: HttpRequest, kind: str) -> HttpResponseBase:
    kind = _kind(kind)
    return exporter.xlsx_response(
        exporter.import_template(kind), f"{KIND_LABELS[kind]}台账导入模板.xlsx"
    )


@require_perm("orgs.import")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "columns": COLUMNS[kind],
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


@require_perm("orgs.import")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    template = "ledger/_job_status.html" if request.headers.get("HX-Request") else "ledger/job.html"
    return render(
        request, template, {"job": job, "error_rows": error_preview(job) if job.is_done else []}
    )


@require_perm("orgs.import")
def job_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job_for(request, pk)
    if not job.error_report:
        raise Http404("该任务没有错误报告")
    return exporter.xlsx_response(
        io.BytesIO(bytes(job.error_report)), f"导入错误报告_{job.pk}.xlsx"
    )


# ---------------------------------------------------------------- export


@require_perm("orgs.export")
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest, kind: str) -> HttpResponseBase:
    """Export a filtered list (same filters as the list pages). Full personal data only
    by POST with a reason, for a holder of `orgs.unmask`; each export is audited."""
    kind = _kind(kind)
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    params = request.POST if request.method == "POST" else request.GET
    full = kind == "members" and request.method == "POST" and params.get("full") == "1"
    reason = str(params.get("reason", "")).strip()
    if full:
        if not user_has_perm(request.user, "orgs.unmask"):
            audit_record(
                "export.denied",
                request=request,
                result="denied",
                detail={"kind": kind, "reason": "no orgs.unmask"},
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
    perm = "orgs.unmask" if full else None
    qs = LIST_SELECTORS[kind](request.user, params)
    if perm:
        # a full export covers only members the unmask grant itself reaches
        qs = qs & members_filtered(request.user, params, perm=perm)
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
        object_type=f"orgs.{kind}",
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
    handle = exporter.export_list(kind, qs, full=full)
    return exporter.xlsx_response(handle, exporter.stamp(KIND_LABELS[kind]))


@require_perm("orgs.export")
def export_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job: ExportJob = _own_job(request, ExportJob, pk, "导出任务")
    template = (
        "ledger/_export_status.html"
        if request.headers.get("HX-Request")
        else "ledger/export_job.html"
    )
    return render(request, template, {"job": job, "expired": is_expired(job)})


@require_perm("orgs.export")
def export_job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
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


# ---------------------------------------------------------------- coverage


def _coverage_args(request: HttpRequest) -> tuple[Any, Any]:
    region = coverage.region_for(request.user, request.GET.get("region"), request=request)
    try:
        as_of = coverage.parse_as_of(request.GET.get("as_of"))
    except ValueError:
        as_of = coverage.parse_as_of(None)
        messages.error(request, "统计日期格式应为 YYYY-MM-DD，已按今天统计")
    return region, as_of


@require_perm("orgs.view_coverage")
def coverage_page(request: HttpRequest) -> HttpResponse:
    region, as_of = _coverage_args(request)
    report = coverage.coverage_report(request.user, region, as_of)
    trend = coverage.coverage_trend(request.user, region, as_of)
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["组织覆盖率(%)", "两新组织数", "已覆盖数"]},
        "xAxis": {"type": "category", "data": [p["date"][:7] for p in trend]},
        "yAxis": [{"type": "value", "name": "家"}, {"type": "value", "name": "%", "max": 100}],
        "series": [
            {"name": "两新组织数", "type": "bar", "data": [p["liangxin"] for p in trend]},
            {"name": "已覆盖数", "type": "bar", "data": [p["covered"] for p in trend]},
            {
                "name": "组织覆盖率(%)",
                "type": "line",
                "yAxisIndex": 1,
                "data": [p["rate"] for p in trend],
            },
        ],
    }
    regions = coverage.regions_to_pick(request.user)
    return render(
        request,
        "ledger/coverage/report.html",
        {
            "report": report,
            "region": region,
            "as_of": as_of,
            "trend_chart": chart,
            "regions": regions,
            "breakdown_labels": coverage.BREAKDOWNS,
        },
    )


def _drill_args(request: HttpRequest) -> tuple[Any, Any, str, str, str]:
    region, as_of = _coverage_args(request)
    figure = request.GET.get("figure", "")
    if not coverage.figure_label(figure):
        raise Http404("未知的统计项")
    return region, as_of, figure, request.GET.get("by", ""), request.GET.get("key", "")


@require_perm("orgs.view_coverage")
def coverage_units(request: HttpRequest) -> HttpResponse:
    region, as_of, figure, by, key = _drill_args(request)
    qs = coverage.figure_units(request.user, region, as_of, figure, by, key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/coverage/units.html",
        {
            "page": page,
            "region": region,
            "as_of": as_of,
            "figure_label": coverage.figure_label(figure),
            "by_label": coverage.BREAKDOWNS.get(by, ""),
            "key": key,
            "querystring_base": querystring_without_page(request),
            "export_query": request.GET.urlencode(),
        },
    )


@require_perm("orgs.view_coverage")
def coverage_units_export(request: HttpRequest) -> HttpResponseBase:
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    region, as_of, figure, by, key = _drill_args(request)
    qs = coverage.figure_units(request.user, region, as_of, figure, by, key)
    audit_record(
        "export.coverage_units",
        request=request,
        obj=region,
        detail={"figure": figure, "by": by, "key": key[:50], "as_of": as_of.isoformat()},
    )
    handle = exporter.write_workbook(
        [
            (
                coverage.figure_label(figure)[:31],
                exporter.headers_for("units"),
                exporter.unit_rows(qs),
            )
        ]
    )
    return exporter.xlsx_response(handle, exporter.stamp(f"覆盖统计明细_{region.name}"))


@require_perm("orgs.view_coverage")
def coverage_export(request: HttpRequest) -> HttpResponseBase:
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    region, as_of = _coverage_args(request)
    report = coverage.coverage_report(request.user, region, as_of)
    audit_record(
        "export.coverage", request=request, obj=region, detail={"as_of": as_of.isoformat()}
    )
    return exporter.xlsx_response(
        exporter.coverage_workbook(report), exporter.stamp(f"覆盖统计_{region.name}")
    )
