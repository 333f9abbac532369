"""Export jobs: a list too long to write within one request is written by the task worker.

A masked list over `EXPORT_SYNC_MAX_ROWS` rows becomes an `ExportJob`; its
page shows progress and, when done, a download for its owner only. The
worker applies the owner's scope again with the filters the list page sent,
so a grant withdrawn in between is respected. Workbooks are wiped after
`EXPORT_KEEP_HOURS`. Full personal data is never queued: such exports stay
in the request and are limited to the same row count.

A run that fails (an error, or its worker died: `lianjian.core.heartbeat`)
says so in Chinese on its page, and its owner may retry it (`export_retry`):
a new run with the same filters, scope applied again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lianjian.core.heartbeat import (
    JobKind,
    failure_reason,
    job_start_fields,
    progress_write,
    with_retries,
)
from lianjian.ledger import exporter
from lianjian.ledger.kinds import kind_for, kind_label
from lianjian.ledger.models import ExportJob

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger(__name__)

EXPIRED_MESSAGE = "导出文件已超过保存期限并已删除，请重新导出"
LOST_MESSAGE = "后台任务进程意外退出，导出未完成；可点击“重试”重新导出"


def _purge() -> int:
    return purge_expired()


EXPORT_JOBS = JobKind(
    label="列表导出",
    model="ledger.ExportJob",
    failed=ExportJob.Status.FAILED,
    lost_message=LOST_MESSAGE,
    purge=_purge,
)


class ExportRetryRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sync_max_rows() -> int:
    """Rows a list export writes within the request; above this it goes to the worker."""
    return int(settings.EXPORT_SYNC_MAX_ROWS)


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=int(settings.EXPORT_KEEP_HOURS))


def is_expired(job: ExportJob) -> bool:
    return job.finished_at is not None and job.finished_at < timezone.now() - keep_for()


def purge_expired() -> int:
    """Wipe workbooks kept longer than allowed; returns how many."""
    return (
        ExportJob.objects.filter(finished_at__lt=timezone.now() - keep_for())
        .exclude(content=None)
        .update(content=None, message=EXPIRED_MESSAGE)
    )


def export_submit(
    kind: str, params: Mapping[str, str], *, user: User, total_rows: int
) -> ExportJob:
    """Record the export and queue it for the worker."""
    purge_expired()
    job = ExportJob.objects.create(
        kind=kind,
        user=user,
        params=dict(params),
        total_rows=total_rows,
        message="已提交后台导出，请稍候",
    )
    from lianjian.ledger.tasks import run_export_job

    run_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _progress_writer(job_id: int, total: int) -> Callable[[int], None]:
    def progress(done: int) -> None:
        progress_write(
            lambda: ExportJob.objects.filter(pk=job_id).update(
                processed_rows=done,
                message=f"正在导出：{done} 行 / {total} 行",
                beat_at=timezone.now(),
            )
        )

    return progress


def export_run(job_id: int) -> ExportJob:
    """Write a queued export; the outcome (workbook or message) is stored on the job."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.is_done:
        return job
    started = job_start_fields()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, **started)
    for name, value in started.items():
        setattr(job, name, value)  # the final save writes every field
    try:
        declared = kind_for(job.kind)
        if declared is None:
            raise LookupError(f"unknown ledger kind {job.kind}")
        # the list page's rows, the owner's scope applied again
        qs = declared.export_query(job.user, job.params)
        handle = exporter.export_list(
            job.kind, qs, progress=_progress_writer(job.pk, job.total_rows)
        )
        job.content = exporter.read_bytes(handle)
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
        job.message = f"导出失败（{failure_reason(exc)}）；可点击“重试”重新导出，或缩小筛选范围"
    else:
        job.refresh_from_db(fields=["processed_rows"])
        job.status = ExportJob.Status.SUCCEEDED
        job.file_name = exporter.stamp(kind_label(job.kind))
        job.total_rows = job.processed_rows
        hours = int(keep_for().total_seconds() // 3600)
        job.message = f"导出完成，共 {job.processed_rows} 行；文件保留 {hours} 小时"
    job.finished_at = timezone.now()
    with_retries(job.save)
    return job


def export_retry(job_id: int, *, user: User) -> ExportJob:
    """A new run of a failed export for its owner, with the same filters (scope applied again).

    Asked twice (a double click), the second answer is the run the first made.
    """
    with transaction.atomic():
        old = ExportJob.objects.select_for_update().filter(pk=job_id, user=user).first()
        if old is None:
            raise ExportRetryRefused("未找到该导出任务")
        again = old.retries.order_by("-id").first()
        if again is not None:
            return again
        if old.status != ExportJob.Status.FAILED:
            raise ExportRetryRefused("只有导出失败的任务可以重试")
        job = ExportJob.objects.create(
            kind=old.kind,
            user=old.user,
            params=old.params,
            total_rows=old.total_rows,
            message="已提交后台导出，请稍候",
            retry_of=old,
        )
    from lianjian.ledger.tasks import run_export_job

    run_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job
