"""What the ledger keeps, and for how long (S17; `lianjian.core.retention`).

- uploads and their error reports (which may quote ID numbers) of import jobs
  older than RETENTION_UPLOAD_DAYS, whatever became of the job;
- export workbooks past EXPORT_KEEP_HOURS, even when nobody exports again.

The rule keys keep the `orgs.` names they had before the ledger became its own
app (ADR 0011): retention reports and their audit events stay comparable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from lianjian.core.retention import RetentionRule, days
from lianjian.ledger.models import ExportJob, ImportJob


def import_files_past(cutoff: dt.datetime) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(created_at__lt=cutoff).filter(
        Q(content__isnull=False) | Q(error_report__isnull=False)
    )


def import_files_delete(jobs: QuerySet[ImportJob]) -> int:
    return jobs.update(content=None, error_report=None)


def export_files_past(cutoff: dt.datetime) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(finished_at__lt=cutoff, content__isnull=False)


def export_files_delete(jobs: QuerySet[ExportJob]) -> int:
    from lianjian.ledger.export_jobs import EXPIRED_MESSAGE

    return jobs.update(content=None, message=EXPIRED_MESSAGE)


def _export_keep() -> dt.timedelta:
    return dt.timedelta(hours=int(settings.EXPORT_KEEP_HOURS))


RULES: tuple[Any, ...] = (
    RetentionRule(
        "orgs.import_files",
        "台账导入文件及错误报告",
        days("RETENTION_UPLOAD_DAYS"),
        import_files_past,
        import_files_delete,
    ),
    RetentionRule(
        "orgs.export_files", "台账导出文件", _export_keep, export_files_past, export_files_delete
    ),
)
