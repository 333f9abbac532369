"""What the registries keep, and for how long (S17; `lianjian.core.retention`).

- members deactivated more than RETENTION_INACTIVE_MEMBER_DAYS ago: name, ID
  number and mobile (and their blind indexes) become markers, the birth date
  keeps only its year, the floating note goes; the row stays, so figures by
  organization, status, gender, age or Party age are unchanged. A member's
  deactivation is its last write (`updated_at`); anonymizing is an `update()`,
  which leaves that time as it was.
- ledger uploads and their error reports (which may quote ID numbers) of
  import jobs older than RETENTION_UPLOAD_DAYS, whatever became of the job;
- export workbooks past EXPORT_KEEP_HOURS, even when nobody exports again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncYear

from lianjian.core.retention import ANONYMIZED, RetentionRule, days
from lianjian.orgs.models import ExportJob, ImportJob, Member

# the blind-index marker of an anonymized member: unique per row, never a 64-hex index
ANONYMIZED_INDEX_PREFIX = "anonymized:"


def inactive_members_past(cutoff: dt.datetime) -> QuerySet[Member]:
    return Member.objects.filter(is_active=False, updated_at__lt=cutoff).exclude(
        id_number_index__startswith=ANONYMIZED_INDEX_PREFIX
    )


def members_anonymize(members: QuerySet[Member]) -> int:
    return members.update(
        name=ANONYMIZED,
        id_number="",
        id_number_index=Concat(
            Value(ANONYMIZED_INDEX_PREFIX), Cast("id", CharField()), output_field=CharField()
        ),
        mobile="",
        mobile_index="",
        birth_date=TruncYear("birth_date"),
        floating_reason="",
    )


def import_files_past(cutoff: dt.datetime) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(created_at__lt=cutoff).filter(
        Q(content__isnull=False) | Q(error_report__isnull=False)
    )


def import_files_delete(jobs: QuerySet[ImportJob]) -> int:
    return jobs.update(content=None, error_report=None)


def export_files_past(cutoff: dt.datetime) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(finished_at__lt=cutoff, content__isnull=False)


def export_files_delete(jobs: QuerySet[ExportJob]) -> int:
    from lianjian.orgs.ledger.export_jobs import EXPIRED_MESSAGE

    return jobs.update(content=None, message=EXPIRED_MESSAGE)


def _export_keep() -> dt.timedelta:
    return dt.timedelta(hours=int(settings.EXPORT_KEEP_HOURS))


RULES: tuple[Any, ...] = (
    RetentionRule(
        "orgs.inactive_members",
        "已停用党员的姓名、身份证号、手机号",
        days("RETENTION_INACTIVE_MEMBER_DAYS"),
        inactive_members_past,
        members_anonymize,
    ),
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
