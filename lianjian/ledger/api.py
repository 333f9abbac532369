"""Ledger API: import a ledger file, follow its job, and the coverage report as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.params.functions import File, Form, Query  # typed defaults with constraints
from ninja.responses import Status
from pydantic import create_model

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import Id, IsoDate, PathId
from lianjian.ledger.jobs import job_submit
from lianjian.ledger.kinds import import_perms, kind_for
from lianjian.ledger.models import ImportJob
from lianjian.ledger.report import read_errors
from lianjian.ledger.schemas import ErrorOut, ImportStatus, LedgerKind
from lianjian.orgs import coverage
from lianjian.orgs.schemas import RegionLevel

router = Router(tags=["ledger"])
# ensure_perm answers 403; an unknown kind, job or out-of-scope region answers 404
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


class ImportJobOut(Schema):
    id: int
    kind: LedgerKind
    status: ImportStatus
    status_label: str
    file_name: str
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    error_count: int
    valid_only: bool = Field(description="是否选择了“仅导入有效行”")
    skipped: int = Field(description="因有错误而跳过的数据行数（仅导入有效行时）")
    message: str
    errors_url: str | None = Field(description="逐行错误（JSON）的地址；没有错误时为空")


class ImportErrorOut(Schema):
    row: int | None = Field(description="原文件中的行号；整个文件被拒绝时为空")
    column: str = Field(description="出错的列；整个文件被拒绝时为“（整个文件）”")
    reason: str = Field(description="中文原因")


class ImportErrorsOut(Schema):
    job_id: int
    total: int = Field(description="错误总数")
    offset: int
    limit: int
    errors: list[ImportErrorOut]


def _job_out(request: AuthenticatedRequest, job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "file_name": job.file_name,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "error_count": job.error_count,
        "valid_only": job.valid_only,
        "skipped": job.skipped_count,
        "message": job.message,
        # the API's own route: a bearer-token client cannot follow the page's download
        "errors_url": f"/api/v1/imports/jobs/{job.pk}/errors" if job.error_report else None,
    }


@router.post(
    "/imports/{kind}",
    response={200: ImportJobOut, 202: ImportJobOut, 422: ImportJobOut, **ERRORS},
)
def import_file(
    request: AuthenticatedRequest,
    kind: LedgerKind,
    file: UploadedFile = File(...),  # noqa: B008
    valid_only: bool = Form(False, description="仅导入有效行：跳过有错误的行，导入其余各行"),
) -> Any:
    """Import a ledger (.xlsx, .xls or .csv) of a declared kind (`units`, `party-orgs`, `members`…).

    200 when imported (with `valid_only`, also when rows with errors were skipped:
    see `skipped`), 422 when refused or with row errors and nothing written, 202
    when queued. Row errors: `errors_url`."""
    ensure_perm(request, import_perms())
    declared = kind_for(kind)
    if declared is None:
        raise HttpError(404, "未知的台账类型")
    ensure_perm(request, declared.import_perm)
    from django.conf import settings

    if (file.size or 0) > settings.EXCEL_UPLOAD_MAX_BYTES:
        from lianjian.ledger.jobs import job_reject

        job = job_reject(kind, user=request.user, file_name=file.name or "", size=file.size or 0)
    else:
        job = job_submit(
            kind,
            file.read(),
            user=request.user,
            file_name=file.name or "",
            request=request,
            valid_only=valid_only,
        )
    status = 200 if job.status == ImportJob.Status.SUCCEEDED else 422 if job.is_done else 202
    return Status(status, _job_out(request, job))


def _own_job(request: AuthenticatedRequest, job_id: int) -> ImportJob:
    """The caller's own import job; anyone else's answers 404."""
    job = (
        ImportJob.objects.filter(pk=job_id, user_id=int(request.user.pk or 0))
        .defer("content")
        .first()
    )
    if job is None:
        raise HttpError(404, "未找到该导入任务")
    declared = kind_for(job.kind)
    if declared is not None:
        ensure_perm(request, declared.import_perm)
    return job


@router.get("/imports/jobs/{job_id}", response={200: ImportJobOut, **ERRORS})
def import_job(request: AuthenticatedRequest, job_id: PathId) -> Any:
    ensure_perm(request, import_perms())
    return _job_out(request, _own_job(request, job_id))


@router.get("/imports/jobs/{job_id}/errors", response={200: ImportErrorsOut, **ERRORS})
def import_job_errors(
    request: AuthenticatedRequest,
    job_id: PathId,
    offset: int = Query(0, ge=0, le=2**31, description="跳过的错误条数"),
    limit: int = Query(100, ge=1, le=1000, description="每页条数（1–1000，默认 100）"),
) -> Any:
    """The row errors of one of the caller's import jobs (row, column, reason), in pages;
    the same list as the error report's first sheet."""
    ensure_perm(request, import_perms())
    job = _own_job(request, job_id)
    rows = read_errors(bytes(job.error_report), offset, limit) if job.error_report else []
    return {
        "job_id": job.pk,
        "total": job.error_count,
        "offset": offset,
        "limit": limit,
        "errors": [
            {"row": row or None, "column": str(column or ""), "reason": str(reason or "")}
            for row, column, reason in rows
        ],
    }


class FigureOut(Schema):
    label: str
    count: int


# one field per figure of `coverage.FIGURES` and `ORG_FIGURES`, so the spec names every figure a report carries
CoverageFiguresOut = create_model(  # type: ignore[call-overload]
    "CoverageFiguresOut",
    __base__=Schema,
    **{
        key: (FigureOut, Field(description=label))
        for key, (label, _) in {**coverage.FIGURES, **coverage.ORG_FIGURES}.items()
    },
)


class CoverageRegionOut(Schema):
    id: int
    name: str
    level: RegionLevel


class CoverageRatesOut(Schema):
    organization_coverage: float | None = Field(description="两新组织党组织覆盖率（%）")
    above_scale_coverage: float | None = Field(description="规模以上两新组织覆盖率（%）")
    work_coverage: float | None = Field(description="无党员两新组织工作覆盖率（%）")


class FloatingPlaceOut(Schema):
    place: str
    count: int


class FloatingMembersOut(Schema):
    total: int
    by_place: list[FloatingPlaceOut] = Field(description="按流向地统计（前 20 个）")


class BreakdownRowOut(Schema):
    key: str = Field(description="分组键：区域 id、区域类型、行业或组建方式代码；空串表示未填写")
    label: str
    liangxin: int
    covered: int
    rate: float | None
    above_scale: int
    above_scale_covered: int
    violations: int


def _absent(value: Any) -> bool:
    return value is None


class CoverageBreakdownsOut(Schema):
    # absent (not null) below the level that has them
    street: list[BreakdownRowOut] | None = Field(
        None, exclude_if=_absent, description="按街道（区级报表才有）"
    )
    community: list[BreakdownRowOut] | None = Field(
        None, exclude_if=_absent, description="按社区（区级、街道级报表才有）"
    )
    area_type: list[BreakdownRowOut] = Field(description="按区域类型")
    industry: list[BreakdownRowOut] = Field(description="按行业（前 30 个）")
    formation: list[BreakdownRowOut] = Field(description="按组建方式")


class LedgerCoverageOut(Schema):
    """Named apart from visits.api.CoverageOut: ninja files schemas by class name."""

    region: CoverageRegionOut
    as_of: dt.date
    figures: CoverageFiguresOut = Field(  # type: ignore[valid-type]
        description="统计项（键 → 名称与数量）。两新组织等按单位计（家）："
        + "、".join(f"{key}（{label}）" for key, (label, _) in coverage.FIGURES.items())
        + "；按党组织计（个）："
        + "、".join(f"{key}（{label}）" for key, (label, _) in coverage.ORG_FIGURES.items())
    )
    rates: CoverageRatesOut
    floating_members: FloatingMembersOut
    breakdowns: CoverageBreakdownsOut


@router.get("/coverage", response={200: LedgerCoverageOut, **ERRORS})
def coverage_json(
    request: AuthenticatedRequest, region: Id | None = None, as_of: IsoDate | None = None
) -> Any:
    """Coverage report for a region subtree (default: the caller's widest) as of a date."""
    ensure_perm(request, coverage.PERM)
    target = coverage.region_for(request.user, region, request=request)
    try:
        day = coverage.parse_as_of(as_of)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return coverage.coverage_report(request.user, target, day)
