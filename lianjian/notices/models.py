"""Notices (通知公告): published by staff to a region subtree, narrowed to organizations
or widened to audiences (`notices.audiences`), with attachments and read receipts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import PartyOrg, Region, ScopedModel


class Notice(ScopedModel, TimeStampedModel):
    """One notice. Its region (and the ancestor ids) is the subtree it is addressed to."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "已发布"  # shown to recipients between publish_at and expire_at
        WITHDRAWN = "withdrawn", "已撤回"  # taken back by the publisher; shown to nobody

    title = models.CharField("标题", max_length=120)
    body = models.TextField("正文")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="发布范围"
    )
    # when set, only the accounts of these organizations (inside the region) receive it
    orgs = models.ManyToManyField(PartyOrg, blank=True, related_name="+", verbose_name="限定党组织")
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    publish_at = models.DateTimeField("发布时间", db_index=True)
    expire_at = models.DateTimeField("截止时间", null=True, blank=True)
    pinned = models.BooleanField("置顶", default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        ordering = ["-pinned", "-publish_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "idempotency_key"], name="notices_notice_idem_unique"
            )
        ]
        indexes = [models.Index(fields=["region", "status", "publish_at"])]

    def __str__(self) -> str:
        return self.title


class NoticeAudience(models.Model):
    """An audience token a notice is also addressed to, e.g. "alliance:12" (`notices.audiences`)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="audiences")
    token = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "token"], name="notices_audience_unique")
        ]


def attachment_path(instance: NoticeAttachment, filename: str) -> str:
    # never the uploaded name: our own token and the detected extension
    return f"notices/{instance.notice_id}/{instance.token}.{instance.extension}"


class NoticeAttachment(models.Model):
    """An image or PDF attached to a notice, checked by `core.attachments`."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_path)
    created_at = models.DateTimeField(auto_now_add=True)


class NoticeRead(models.Model):
    """A read receipt: who opened the notice first when, and the organization they read for."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    party_org = models.ForeignKey(
        PartyOrg, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notices_read_unique")
        ]
