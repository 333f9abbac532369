"""Ledger API: import a ledger file, follow its job, and the coverage report as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import create_model

from lianjian.accounts.permissions import ensure_perm
from lianjian.core.schemas import Id, IsoDate, PathId
from lianjian.orgs import coverage
from lianjian.orgs.ledger.columns import COLUMNS
from lianjian.orgs.ledger.jobs import job_submit
from lianjian.orgs.models import ImportJob
from lianjian.orgs.schemas import ErrorOut, ImportStatus, LedgerKind, RegionLevel

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
    message: str
    errors_url: str | None


def _job_out(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
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
        "message": job.message,
        "errors_url": f"/orgs/ledger/jobs/{job.pk}/errors/" if job.error_report else None,
    }


@router.post(
    "/imports/{kind}",
    response={200: ImportJobOut, 202: ImportJobOut, 422: ImportJobOut, **ERRORS},
)
def import_file(request: HttpRequest, kind: LedgerKind, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    """Import a ledger (.xlsx) of `units`, `party-orgs` or `members`: 200 when imported,
    422 when refused or with row errors (nothing written), 202 when queued."""
    ensure_perm(request, "orgs.import")
    if kind not in COLUMNS:
        raise HttpError(404, "未知的台账类型")
    from django.conf import settings

    if (file.size or 0) > settings.EXCEL_UPLOAD_MAX_BYTES:
        from lianjian.orgs.ledger.jobs import job_reject

        job = job_reject(kind, user=request.user, file_name=file.name or "", size=file.size or 0)
    else:
        job = job_submit(
            kind, file.read(), user=request.user, file_name=file.name or "", request=request
        )
    status = 200 if job.status == ImportJob.Status.SUCCEEDED else 422 if job.is_done else 202
    return Status(status, _job_out(request, job))


@router.get("/imports/jobs/{job_id}", response={200: ImportJobOut, **ERRORS})
def import_job(request: HttpRequest, job_id: PathId) -> Any:
    ensure_perm(request, "orgs.import")
    job = (
        ImportJob.objects.filter(pk=job_id, user_id=int(request.user.pk or 0))
        .defer("content")
        .first()
    )
    if job is None:
        raise HttpError(404, "未找到该导入任务")
    return _job_out(request, job)


class FigureOut(Schema):
    label: str
    count: int


# one field per figure of `coverage.FIGURES`, so the spec names every figure a report carries
CoverageFiguresOut = create_model(  # type: ignore[call-overload]
    "CoverageFiguresOut",
    __base__=Schema,
    **{key: (FigureOut, Field(description=label)) for key, (label, _) in coverage.FIGURES.items()},
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
    figures: CoverageFiguresOut  # type: ignore[valid-type]
    rates: CoverageRatesOut
    floating_members: FloatingMembersOut
    breakdowns: CoverageBreakdownsOut


@router.get("/coverage", response={200: LedgerCoverageOut, **ERRORS})
def coverage_json(
    request: HttpRequest, region: Id | None = None, as_of: IsoDate | None = None
) -> Any:
    """Coverage report for a region subtree (default: the caller's widest) as of a date."""
    ensure_perm(request, coverage.PERM)
    target = coverage.region_for(request.user, region, request=request)
    try:
        day = coverage.parse_as_of(as_of)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return coverage.coverage_report(request.user, target, day)
