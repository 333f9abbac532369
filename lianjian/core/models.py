"""Shared base models, the audit trail and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.fields import EncryptedTextField


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One append-only audit row, HMAC-chained to the row before it (S11, S12).

    Update and delete are refused by database triggers (see migration 0002).
    """

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"
        DENIED = "denied", "拒绝"

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    user_id_value = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    scope = models.CharField(max_length=200, blank=True)
    source_ip = models.CharField(max_length=64, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]


class AuditHead(models.Model):
    """Single row holding the last chained hash; locked to serialize appends.

    `signature` is an HMAC of (seq, last_hash) under the audit key, so a head
    rewritten to match a shortened chain is detected; triggers refuse deleting
    it, moving it backwards and TRUNCATE (migration 0003). An operator keeps a
    signed checkpoint of it outside the database (`lianjian audit anchor`).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    signature = models.CharField(max_length=64, blank=True)


class RateCounter(models.Model):
    """One rate-limit window's count, when limits count in the database (`lianjian.core.ratelimit`)."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)


class Notification(models.Model):
    """An in-app message for one user."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # a kind some app declares in its registry (`NotificationKind.key`), e.g. "needs.dispatched"
    kind = models.CharField(max_length=64, blank=True, default="")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]


class WorkerJob(models.Model):
    """What the stale-job reaper needs of a background job (an import, an export).

    `worker` names the process running it (a `WorkerHeartbeat.name`, empty for
    a web request); `beat_at` is its last sign of progress. A running job
    whose worker stopped beating and whose own progress is older than
    `JOB_STALE_SECONDS` is failed by `lianjian.core.heartbeat.reap_stale_jobs`.
    """

    worker = models.CharField("后台任务进程", max_length=64, blank=True)
    started_at = models.DateTimeField("开始处理", null=True, blank=True)
    beat_at = models.DateTimeField("最近进展", null=True, blank=True)
    # a failed run retried by its owner: the new run points at the old
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """One task worker process's last sign of life, written every few seconds by a thread."""

    name = models.CharField(max_length=64, unique=True)  # the django-tasks worker id
    host = models.CharField(max_length=100)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)  # a clean exit
    task = models.CharField(max_length=200, blank=True)  # the task running now, if any
    task_started_at = models.DateTimeField(null=True, blank=True)
    tasks_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class ScheduledRun(models.Model):
    """The last run of a periodic task (the needs reminder/escalation tick), for the health page."""

    name = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)  # None while running
    summary = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class NotificationPreference(models.Model):
    """A user's choice for one outside channel of one notification kind (in-app is always on).

    No row: the kind's `default_channels` apply.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)  # "sms" | "email"
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="core_notifypref_unique"
            )
        ]


class Delivery(models.Model):
    """One message sent (or to be sent) through an outside channel: the delivery log.

    The recipient is kept encrypted for the retries and shown masked; the task
    worker sends it (`lianjian.core.tasks.deliver_task`) and retries on failure.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"  # queued for the worker
        RETRY = "retry", "等待重试"  # the last try failed; another is scheduled
        SENT = "sent", "已发送"  # the backend accepted it
        FAILED = "failed", "发送失败"  # every try failed

    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    kind = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16)
    recipient = EncryptedTextField("收件人", purpose="delivery.recipient")
    recipient_masked = models.CharField(max_length=64)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    template_id = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)  # the gateway's message id
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
