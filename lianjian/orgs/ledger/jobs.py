"""Import jobs: every upload becomes an `ImportJob`; large files run on the task worker.

The file is checked (size, zip structure, macros, links) at once, so a
refused file is answered on the upload page; a small file is imported in the
request, a large one is queued and its page polls the job's progress.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lianjian.orgs.ledger.exporter import read_bytes
from lianjian.orgs.ledger.importer import RowError, import_ledger
from lianjian.orgs.ledger.report import error_report
from lianjian.orgs.ledger.safety import LedgerFileError, check_upload, too_large_message
from lianjian.orgs.models import ImportJob

# above this the import is handed to the task worker (about 2,000 ledger rows)
SYNC_MAX_BYTES = 150 * 1024


def _progress_writer(job_id: int) -> Any:
    labels = {"read": "正在读取", "validate": "正在校验", "write": "正在写入数据库"}

    def progress(phase: str, done: int, total: int) -> None:
        text = f"{labels.get(phase, phase)}：{done} 行" + (f" / {total} 行" if total else "")
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=done, total_rows=max(total, done), message=text[:500]
        )

    return progress


def job_run(job_id: int, request: Any = None) -> ImportJob:
    """Import a stored job's file; records the outcome (and error report) on the job."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.is_done:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    data = bytes(job.content or b"")
    try:
        outcome = import_ledger(
            job.kind,
            data,
            user=job.user,
            file_name=job.file_name,
            request=request,
            progress=_progress_writer(job.pk),
            valid_only=job.valid_only,
        )
    except LedgerFileError as exc:
        job.status = ImportJob.Status.REJECTED
        job.message = exc.message[:500]
        job.error_count = 1
        job.error_report = read_bytes(error_report([RowError(0, "（整个文件）", exc.message)]))
    else:
        job.total_rows = job.processed_rows = outcome.total_rows
        job.created_count, job.updated_count = outcome.created, outcome.updated
        job.error_count = len(outcome.errors)
        job.skipped_count = outcome.skipped
        job.status, job.message = _outcome_message(outcome)
        if outcome.errors:
            job.error_report = read_bytes(error_report(outcome.errors, outcome.sheet))
    job.content = None  # the upload may hold personal data: keep it no longer than needed
    job.finished_at = timezone.now()
    job.save()
    return job


def _outcome_message(outcome: Any) -> tuple[str, str]:
    """The job's status and message for an import that read the file."""
    done = f"新增 {outcome.created} 条，更新 {outcome.updated} 条"
    if outcome.ok:
        return ImportJob.Status.SUCCEEDED, f"导入成功：{done}"
    if outcome.written:
        return ImportJob.Status.SUCCEEDED, (
            f"已导入有效行：{done}；跳过 {outcome.skipped} 行有错误的行"
            f"（{len(outcome.errors)} 处错误），请下载错误报告修改这些行后重新导入"
        )
    if outcome.valid_only:
        return ImportJob.Status.FAILED, (
            f"发现 {len(outcome.errors)} 处错误，没有可导入的有效行；请下载错误报告修改后重新导入"
        )
    return ImportJob.Status.FAILED, (
        f"发现 {len(outcome.errors)} 处错误，整个文件未导入；请下载错误报告修改后重新导入"
    )


def job_submit(
    kind: str,
    data: bytes,
    *,
    user: Any,
    file_name: str,
    request: Any = None,
    valid_only: bool = False,
) -> ImportJob:
    """Create the job; import now if small, else enqueue it for the worker."""
    job = ImportJob.objects.create(
        kind=kind,
        user=user,
        file_name=file_name[:200],
        file_size=len(data),
        content=data,
        valid_only=valid_only,
    )
    try:
        check_upload(data)
    except LedgerFileError:
        return job_run(job.pk, request=request)
    if len(data) <= SYNC_MAX_BYTES:
        return job_run(job.pk, request=request)
    from lianjian.orgs.tasks import run_import_job

    job.message = "已提交后台处理，请稍候"
    job.save(update_fields=["message"])
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def job_reject(kind: str, *, user: Any, file_name: str, size: int) -> ImportJob:
    """Record an upload refused for its size before its body was read."""
    message = too_large_message(size)
    return ImportJob.objects.create(
        kind=kind,
        user=user,
        file_name=file_name[:200],
        file_size=min(size, 2**31 - 1),
        status=ImportJob.Status.REJECTED,
        message=message,
        error_count=1,
        error_report=read_bytes(error_report([RowError(0, "（整个文件）", message)])),
        finished_at=timezone.now(),
    )


ERROR_PREVIEW_ROWS = 20


def error_preview(job: ImportJob, limit: int = ERROR_PREVIEW_ROWS) -> list[tuple[Any, Any, Any]]:
    """The first rows of the job's error report (row, column, reason) for the job page.

    The report is the workbook this module wrote, so reading it back needs no
    upload checks; the download still carries every error.
    """
    if not job.error_report:
        return []
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(bytes(job.error_report)), read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(min_row=2, max_row=limit + 1, values_only=True)
        return [(r[0], r[1], r[2]) for r in rows if r and len(r) >= 3]
    finally:
        book.close()
