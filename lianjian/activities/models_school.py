"""The community Party school (社区党校): courses of lectures and short e-lessons, completions.

A lecture is held as an `Event` (kind 讲座党课), so its QR check-in records the
completion; an e-lesson (5分钟电子党课) is text with an optional MP4 stored
locally like other attachments, completed when the member finishes it.
"""

from __future__ import annotations

from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel

VIDEO_MAX_BYTES = 50 * 1024 * 1024


def _video_path(instance: Lesson, filename: str) -> str:
    # never the uploaded name: our token and the extension the bytes proved
    return f"activities/lessons/{instance.course_id}/{instance.video_token}.mp4"


class Course(ScopedModel, TimeStampedModel):
    title = models.CharField("课程名称", max_length=100)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域"
    )
    organizer_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name="主办党组织"
    )
    description = models.TextField("课程简介", blank=True)
    # open to every member of the district (the Party school opened to all alliance units)
    is_open = models.BooleanField("对全区开放", default=True)

    class Meta:
        verbose_name = "党校课程"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    class Kind(models.TextChoices):
        LECTURE = "lecture", "专题讲座"  # held as an event; check-in completes it
        E_LESSON = "e_lesson", "电子党课"  # read or watched on the phone

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField("形式", max_length=16, choices=Kind.choices)
    title = models.CharField("课题", max_length=100)
    teacher = models.CharField("主讲人", max_length=100, blank=True)
    # a lecture is held as its event: deleting the event deletes the lecture (the check
    # below forbids a lecture without one); e-lessons have none
    event = models.OneToOneField(
        "activities.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="lesson"
    )
    body = models.TextField("内容", blank=True)
    minutes = models.PositiveSmallIntegerField("时长（分钟）", default=5)
    video = models.FileField(upload_to=_video_path, blank=True)
    video_token = models.CharField(max_length=32, blank=True)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = "党课"
        ordering = ["course", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="lecture") | models.Q(event__isnull=False),
                name="act_lesson_lecture_event",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Completion(ScopedModel):
    class Via(models.TextChoices):
        CHECKIN = "checkin", "到场签到"
        E_LESSON = "e_lesson", "学完电子党课"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    volunteer = models.ForeignKey(
        "activities.Volunteer", on_delete=models.PROTECT, related_name="completions"
    )
    via = models.CharField(max_length=16, choices=Via.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "学习记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["volunteer", "at"], name="act_completion_volunteer")]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "volunteer"], name="act_completion_once")
        ]
