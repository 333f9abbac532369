"""The ledger's jobs: one uploaded file and its outcome, one background list export.

Both tables were created by `orgs` (they keep their names, `db_table`): ADR 0011.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import WorkerJob
from lianjian.ledger.kinds import kind_for, kind_label


class JobProgress:
    """What an import or export job's page shows: finished or not, and how far along."""

    FINAL_STATUSES: frozenset[str]
    status: str
    processed_rows: int
    total_rows: int

    kind: str

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

    @property
    def list_url(self) -> str:
        """The URL name of the kind's list page (where an export came from), if any."""
        declared = kind_for(self.kind)
        return declared.list_url if declared is not None else ""

    @property
    def is_done(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class ImportJob(JobProgress, WorkerJob):
    """One uploaded ledger file and its outcome; large files are processed by a task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"  # stored, waiting for the worker
        RUNNING = "running", "处理中"  # being checked or written
        SUCCEEDED = "succeeded", "导入成功"  # every row (or every valid row) written at once
        FAILED = "failed", "导入失败"  # rows had errors (report attached); nothing written
        REJECTED = "rejected", "文件被拒绝"  # the file itself was refused before parsing
        # the run broke off (an error, or its worker died); nothing written, the upload
        # kept for a retry until `EXPORT_KEEP_HOURS` have passed
        ERROR = "error", "处理出错"

    # a key of the declared kinds (`lianjian.ledger.kinds`); no choices: apps add kinds
    kind = models.CharField("台账类型", max_length=16)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField("文件名", max_length=200, blank=True)
    file_size = models.PositiveIntegerField("文件大小", default=0)
    # the upload is kept until processed so a worker process can read it
    content = models.BinaryField(null=True, blank=True)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    # the uploader's choice: write the valid rows and skip those with errors
    valid_only = models.BooleanField("仅导入有效行", default=False)
    skipped_count = models.PositiveIntegerField("跳过的行数", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    error_report = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "台账导入任务"
        # the table of the time the jobs lived in orgs (ADR 0011): moved without a copy
        db_table = "orgs_importjob"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="orgs_import_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    FINAL_STATUSES = frozenset({"succeeded", "failed", "rejected", "error"})


class ExportJob(JobProgress, WorkerJob):
    """A list export too large for one request, written by the task worker.

    Only masked lists go this way (full personal data is exported in the
    request, with a row limit); the workbook is kept for its owner for
    `EXPORT_KEEP_HOURS` and then wiped.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导出中"
        SUCCEEDED = "succeeded", "导出完成"
        FAILED = "failed", "导出失败"  # an error, or its worker died; the owner may retry

    kind = models.CharField("台账类型", max_length=16)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    # the list filters as the list page sent them; scope is applied again when the job runs
    params = models.JSONField("筛选条件", default=dict)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已导出行数", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "台账导出任务"
        db_table = "orgs_exportjob"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="orgs_export_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    FINAL_STATUSES = frozenset({"succeeded", "failed"})
