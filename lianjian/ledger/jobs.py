"""Import jobs: every upload becomes an `ImportJob`; large files run on the task worker.

The file is checked (size, zip structure, macros, links) at once, so a
refused file is answered on the upload page; a small file is imported in the
request, a large one is queued and its page polls the job's progress.

A run that breaks off (an error, or its worker died: `lianjian.core.heartbeat`)
ends as `error` with a Chinese message and keeps its upload so its owner can
retry it (`job_retry`); the upload is wiped once the job ends any other way,
and from a broken-off job after `EXPORT_KEEP_HOURS`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.heartbeat import (
    JobKind,
    failure_reason,
    job_start_fields,
    progress_write,
    with_retries,
)
from lianjian.ledger.exporter import read_bytes
from lianjian.ledger.importer import RowError, import_ledger
from lianjian.ledger.models import ImportJob
from lianjian.ledger.report import error_report
from lianjian.ledger.safety import LedgerFileError, check_upload, too_large_message

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger(__name__)

# above this the import is handed to the task worker (about 2,000 ledger rows)
SYNC_MAX_BYTES = 150 * 1024

RETRY_HINT = "可点击“重试”重新处理"
LOST_MESSAGE = f"后台任务进程意外退出，导入未完成，数据未写入；{RETRY_HINT}"

IMPORT_JOBS = JobKind(
    label="台账导入",
    model="ledger.ImportJob",
    failed=ImportJob.Status.ERROR,
    lost_message=LOST_MESSAGE,
    purge=lambda: purge_kept_uploads(),
)


class RetryRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _progress_writer(job_id: int) -> Any:
    labels = {"read": "正在读取", "validate": "正在校验", "write": "正在写入数据库"}

    def progress(phase: str, done: int, total: int) -> None:
        text = f"{labels.get(phase, phase)}：{done} 行" + (f" / {total} 行" if total else "")
        progress_write(
            lambda: ImportJob.objects.filter(pk=job_id).update(
                processed_rows=done,
                total_rows=max(total, done),
                message=text[:500],
                beat_at=timezone.now(),
            )
        )

    return progress


def _broke_off(job: ImportJob, exc: BaseException) -> ImportJob:
    """Record a run that failed for a reason of ours, not of the file's; the upload is kept."""
    logger.exception("import job %s broke off", job.pk, exc_info=exc)
    job.status = ImportJob.Status.ERROR
    job.message = f"导入过程中出错（{failure_reason(exc)}），数据未写入；{RETRY_HINT}"
    job.finished_at = timezone.now()
    with_retries(
        lambda: ImportJob.objects.filter(pk=job.pk).update(
            status=job.status, message=job.message, finished_at=job.finished_at
        )
    )
    return job


def job_run(job_id: int, request: HttpRequest | None = None) -> ImportJob:
    """Import a stored job's file; records the outcome (and error report) on the job."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.is_done:
        return job
    started = job_start_fields()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, **started)
    for name, value in started.items():
        setattr(job, name, value)  # the final save writes every field
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
    except Exception as exc:
        return _broke_off(job, exc)
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
    with_retries(job.save)
    return job


def _dispatch(job: ImportJob, request: HttpRequest | None) -> ImportJob:
    """Import now if small (or refused), else enqueue it for the worker."""
    try:
        check_upload(bytes(job.content or b""))
    except LedgerFileError:
        return job_run(job.pk, request=request)
    if job.file_size <= SYNC_MAX_BYTES:
        return job_run(job.pk, request=request)
    from lianjian.ledger.tasks import run_import_job

    job.message = "已提交后台处理，请稍候"
    job.save(update_fields=["message"])
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
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
    user: User,
    file_name: str,
    request: HttpRequest | None = None,
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
    return _dispatch(job, request)


def job_retry(job_id: int, *, user: User, request: HttpRequest | None = None) -> ImportJob:
    """A new run of a broken-off job's upload, for its owner; the old job gives the upload up.

    Asked twice (a double click), the second answer is the run the first made.
    """
    with transaction.atomic():
        old = ImportJob.objects.select_for_update().filter(pk=job_id, user=user).first()
        if old is None:
            raise RetryRefused("未找到该导入任务")
        if old.status != ImportJob.Status.ERROR or old.content is None:
            again = old.retries.order_by("-id").first()
            if again is not None:
                return again
            raise RetryRefused("只有处理出错、且上传文件仍在保留期内的导入任务可以重试")
        job = ImportJob.objects.create(
            kind=old.kind,
            user=old.user,
            file_name=old.file_name,
            file_size=old.file_size,
            content=old.content,
            retry_of=old,
        )
        ImportJob.objects.filter(pk=old.pk).update(content=None)
    return _dispatch(job, request)


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=int(settings.EXPORT_KEEP_HOURS))


def purge_kept_uploads() -> int:
    """Wipe uploads no longer needed: of ended jobs, and of broken-off ones past the keeping time."""
    done = [s for s in ImportJob.FINAL_STATUSES if s != ImportJob.Status.ERROR]
    old = Q(status=ImportJob.Status.ERROR, finished_at__lt=timezone.now() - keep_for())
    return int(
        ImportJob.objects.filter(old | Q(status__in=done))
        .exclude(content=None)
        .update(content=None)
    )


def job_reject(kind: str, *, user: User, file_name: str, size: int) -> ImportJob:
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
