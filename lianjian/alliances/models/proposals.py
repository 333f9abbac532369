"""Proposals (建议议案) and their history, votes, resolutions and follow-up tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Proposal(ScopedModel, TimeStampedModel):
    """A proposal a member unit addresses to a body; its transitions are in services."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # written, not yet sent
        SUBMITTED = "submitted", "已提交"  # sent to the body, waiting for the staff
        ACCEPTED = "accepted", "已受理"  # accepted, waiting for a meeting
        MERGED = "merged", "已合并"  # folded into another proposal (final)
        DECLINED = "declined", "不予受理"  # refused with a reason (final)
        ON_AGENDA = "on_agenda", "已列入议程"  # on the agenda of `meeting`
        DISCUSSED = "discussed", "已审议"  # discussed at the held meeting, votes open
        ADOPTED = "adopted", "已通过"  # adopted: a resolution follows (final)
        REJECTED = "rejected", "未通过"  # voted down (final)
        DEFERRED = "deferred", "延期审议"  # to be put on the next meeting's agenda

    class Source(models.TextChoices):
        MEMBER = "member", "成员单位提出"
        NEEDS = "needs", "需求通道"
        VISIT = "visit", "走访"
        OPINION = "opinion", "民意征求窗口"

    class Category(models.TextChoices):
        PARTY = "party", "党建共建"
        RESOURCES = "resources", "资源共享"
        GOVERNANCE = "governance", "社会治理"
        SERVICE = "service", "服务群众"
        ECONOMY = "economy", "营商环境"
        OTHER = "other", "其他"

    body = models.ForeignKey(
        "alliances.Body", on_delete=models.PROTECT, related_name="proposals", verbose_name="提交至"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="提出单位"
    )
    title = models.CharField("标题", max_length=100)
    content = models.TextField("内容")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.MEMBER)
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    meeting = models.ForeignKey(
        "alliances.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name="列入会议",
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    decline_reason = models.CharField("不予受理原因", max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "建议议案"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["district", "id"], name="alli_prop_dist_idx"),
            models.Index(fields=["street", "id"], name="alli_prop_street_idx"),
            models.Index(fields=["community", "id"], name="alli_prop_comm_idx"),
            models.Index(fields=["body", "status"], name="alli_prop_body_idx"),
            models.Index(fields=["unit", "id"], name="alli_prop_unit_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalNeed(models.Model):
    """A need of the needs channel a proposal takes up (seed 003: opinions on the agenda)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="need_links")
    need = models.ForeignKey("needs.Need", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "need"], name="alli_propneed_once")
        ]


class ProposalHistory(models.Model):
    """One transition of a proposal: who, when, from and to which status, why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    meeting = models.ForeignKey(
        "alliances.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["proposal", "at", "id"]


class Vote(models.Model):
    """One member unit's vote on a proposal at a meeting; one per unit (constraint, R1)."""

    class Choice(models.TextChoices):
        YES = "yes", "赞成"
        NO = "no", "反对"
        ABSTAIN = "abstain", "弃权"

    meeting = models.ForeignKey("alliances.Meeting", on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField("表决", max_length=8, choices=Choice.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "表决"
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "meeting", "unit"], name="alli_vote_one_per_unit"
            )
        ]


class Resolution(ScopedModel, TimeStampedModel):
    """What an adopted proposal became; implemented when every task is verified."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "落实中"  # some task not verified yet
        IMPLEMENTED = "implemented", "已落实"  # every task verified

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="resolution")
    body = models.ForeignKey("alliances.Body", on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey("alliances.Meeting", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("决议", max_length=100)
    adopted_on = models.DateField("通过日期")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.IN_PROGRESS
    )
    implemented_on = models.DateField("落实日期", null=True, blank=True)

    class Meta:
        verbose_name = "决议"
        ordering = ["-adopted_on", "-id"]
        indexes = [
            models.Index(fields=["district", "id"], name="alli_res_dist_idx"),
            models.Index(fields=["street", "id"], name="alli_res_street_idx"),
            models.Index(fields=["community", "id"], name="alli_res_comm_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Task(ScopedModel, TimeStampedModel):
    """A follow-up task of a resolution, assigned to a member unit or a department."""

    class Status(models.TextChoices):
        OPEN = "open", "落实中"  # assigned; the assignee reports progress
        DONE = "done", "待核验"  # the assignee says it is done; staff verify
        VERIFIED = "verified", "已核验"  # staff confirmed it with the evidence (final)

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承办单位",
    )
    department = models.ForeignKey(
        "needs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承办部门",
    )
    due_on = models.DateField("完成时限", db_index=True)
    percent = models.PositiveSmallIntegerField("进度（%）", default=0)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    verified_on = models.DateField("核验日期", null=True, blank=True)
    # set once when the task first passed its due date open (one escalation per task)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "落实任务"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["district", "status"], name="alli_task_dist_idx"),
            models.Index(fields=["street", "status"], name="alli_task_street_idx"),
            models.Index(fields=["community", "status"], name="alli_task_comm_idx"),
            models.Index(fields=["unit", "status"], name="alli_task_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(department__isnull=False),
                name="alli_task_has_assignee",
            ),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="alli_task_percent"),
        ]

    def __str__(self) -> str:
        return self.title


def progress_file_path(instance: TaskProgress, filename: str) -> str:
    return f"alliances/tasks/{instance.task_id}/{instance.token}.{instance.extension}"


class TaskProgress(models.Model):
    """One entry of a task's timeline: progress reported, done, verified or sent back."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", "进展"
        DONE = "done", "报告完成"
        VERIFIED = "verified", "核验通过"
        SENT_BACK = "sent_back", "退回"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    percent = models.PositiveSmallIntegerField(default=0)
    text = models.TextField("说明")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    # an optional photo or PDF as evidence, checked by magic bytes
    token = models.CharField(max_length=32, blank=True)
    extension = models.CharField(max_length=8, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    file = models.FileField(upload_to=progress_file_path, blank=True)

    class Meta:
        ordering = ["task", "at", "id"]
