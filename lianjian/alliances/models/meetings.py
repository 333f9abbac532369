"""Meetings of a body: agenda, invited units, attendance by QR check-in, minutes, files."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Meeting(ScopedModel, TimeStampedModel):
    """One meeting; `period_start` names the cadence period it counts for."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "已安排"  # time and place set, not yet held
        HELD = "held", "已召开"  # took place; attendance and votes recorded
        APPROVED = "approved", "纪要已审定"  # minutes approved, nothing changes any more
        CANCELLED = "cancelled", "已取消"  # will not take place

    body = models.ForeignKey("alliances.Body", on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField("会议名称", max_length=100)
    scheduled_at = models.DateTimeField("会议时间")
    place = models.CharField("会议地点", max_length=200)
    # first day of the cadence period the meeting is held for (quarter, month…)
    period_start = models.DateField("所属周期")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    held_on = models.DateField("召开日期", null=True, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    # the secret of the meeting's QR code: a representative scans it to check in
    checkin_token = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "会议"
        ordering = ["-scheduled_at", "-id"]
        indexes = [
            models.Index(fields=["district", "scheduled_at"], name="alli_meeting_dist_idx"),
            models.Index(fields=["street", "scheduled_at"], name="alli_meeting_street_idx"),
            models.Index(fields=["community", "scheduled_at"], name="alli_meeting_comm_idx"),
            models.Index(fields=["body", "period_start"], name="alli_meeting_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["held", "approved"])
                | models.Q(held_on__isnull=False),
                name="alli_meeting_held_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a proposal, or a topic of its own."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    title = models.CharField("议题", max_length=200)
    proposal = models.ForeignKey(
        "alliances.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
    )

    class Meta:
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "proposal"], name="alli_agenda_proposal_once"
            )
        ]


class Attendance(models.Model):
    """A member unit present at a meeting: checked in by QR on a phone, or marked by staff."""

    class Method(models.TextChoices):
        QR = "qr", "扫码签到"
        STAFF = "staff", "工作人员登记"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    representative = models.CharField("参会代表", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "到会"
        indexes = [models.Index(fields=["unit", "meeting"], name="alli_attend_unit_idx")]
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"], name="alli_attend_once")]


def meeting_file_path(instance: MeetingAttachment, filename: str) -> str:
    # never the uploaded name: our token and the extension the bytes proved
    return f"alliances/meetings/{instance.meeting_id}/{instance.token}.{instance.extension}"


class MeetingAttachment(models.Model):
    """A photo or PDF of a meeting (sign-in sheet, minutes scan), checked by magic bytes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=meeting_file_path)
    created_at = models.DateTimeField(auto_now_add=True)
