"""Questionnaires (调查表, 需求调查问卷) and quarterly satisfaction evaluations (DOMAIN.md §3).

A survey belongs to the region that runs it (a street, or the district) and
carries that region's ancestor ids. Its questions live in versioned
definitions: once a version has a submitted response it is frozen, and a
change makes a new version, so every response is read against the
definition it answered. One response per unit or person is a unique
constraint on `respondent_key`; each submitted response is also written as
`Answer` rows (one per chosen option, scale value, number or text) so the
results and cross-tabs are indexed GROUP BYs, never a scan of JSON.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Audience(models.TextChoices):
    UNITS = "units", "单位（每单位由管理员答一份）"
    MEMBERS = "members", "党员"
    PUBLIC = "public", "公开链接（扫码填写）"


class Survey(ScopedModel, TimeStampedModel):
    """One questionnaire sent once; located where the region that runs it is."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # being built, nobody can answer
        OPEN = "open", "收集中"  # targets fixed, answers accepted inside the window
        CLOSED = "closed", "已结束"  # no more answers; results stay

    class Kind(models.TextChoices):
        GENERAL = "general", "调查问卷"
        SATISFACTION = "satisfaction", "季度满意度测评"

    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="surveys", verbose_name="发起单位"
    )
    title = models.CharField("问卷标题", max_length=200)
    intro = models.TextField("说明", blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    audience = models.CharField("发放对象", max_length=16, choices=Audience.choices)
    # audience filters (units): kinds, industries, an area, or an explicit list
    unit_kinds = models.JSONField("单位类别", default=list, blank=True)
    industries = models.JSONField("行业", default=list, blank=True)
    target_area = models.ForeignKey(
        "orgs.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="区域",
    )
    unit_ids = models.JSONField("指定单位", default=list, blank=True)
    anonymous = models.BooleanField("匿名填写", default=False)
    login_required = models.BooleanField("须登录填写", default=True)
    opens_at = models.DateTimeField("开始时间", null=True, blank=True)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    public_token = models.CharField(max_length=32, unique=True, editable=False)
    # a reminder is sent at most once per this many days to those who have not answered
    remind_every_days = models.PositiveSmallIntegerField("催办间隔（天）", default=3)
    last_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    schedule = models.ForeignKey(
        "surveys.SatisfactionSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    quarter = models.CharField("季度", max_length=7, blank=True)  # "2026Q3"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_count = models.PositiveIntegerField(default=0, editable=False)
    submitted_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "调查问卷"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status"], name="surveys_district"),
            models.Index(fields=["street", "status"], name="surveys_street"),
            models.Index(fields=["status", "closes_at"], name="surveys_closing"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=F("closes_at")),
                name="surveys_window",
            ),
            models.UniqueConstraint(
                fields=["schedule", "quarter"],
                condition=Q(schedule__isnull=False),
                name="surveys_one_per_quarter",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyVersion(models.Model):
    """The questions of a survey as answered; frozen once a response was submitted."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    frozen = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="surveys_version_number")
        ]


class Target(models.Model):
    """Who a survey was sent to: a unit (its admin answers) or a member."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, null=True, blank=True)
    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, null=True, blank=True)
    respondent_key = models.CharField(max_length=40)
    answered = models.BooleanField(default=False)
    reminded = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="surveys_target_once"
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(member__isnull=False), name="surveys_target_who"
            ),
        ]
        indexes = [models.Index(fields=["survey", "answered"], name="surveys_target_open")]


class Response(ScopedModel, TimeStampedModel):
    """One unit's or one person's answers; a draft until submitted.

    Located where the unit is (or the survey, for people), so results are
    scoped like every report.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # saved on the phone, resumable
        SUBMITTED = "submitted", "已提交"  # counted; cannot be changed

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="+")
    # "unit:<id>", "user:<id>", "anon:<token>": the one-response rule's key
    respondent_key = models.CharField(max_length=40)
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    respondent_name = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="surveys_one_response"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="surveys_submitted_at",
            ),
        ]
        indexes = [models.Index(fields=["survey", "status"], name="surveys_resp_status")]


class Answer(models.Model):
    """One value of a submitted response, the row results count."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="rows")
    question = models.CharField(max_length=32)
    row = models.CharField(max_length=32, blank=True)  # a matrix row's key
    option = models.CharField(max_length=32, blank=True)
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["survey", "question", "row", "option"], name="surveys_ans_q"),
            models.Index(fields=["response", "question"], name="surveys_ans_resp"),
        ]


class NeedLink(models.Model):
    """A need raised in the needs channel from one response's answer (linked back)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="need_links")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="need_links")
    question = models.CharField(max_length=32)
    option = models.CharField(max_length=32, blank=True)
    need_id = models.PositiveIntegerField()
    tracking_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "option"], name="surveys_need_once"
            )
        ]


class ProposalLink(models.Model):
    """A proposal (建议议案) filed to a joint-meeting body from the responses that chose one
    option (linked back); one per survey, question, option and body, so a second click files
    nothing twice. The proposal itself is written by the alliances proposal service."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="proposal_links")
    question = models.CharField(max_length=32)
    option = models.CharField(max_length=32)
    body = models.ForeignKey("alliances.Body", on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(
        "alliances.Proposal", on_delete=models.CASCADE, related_name="survey_links"
    )
    responses = models.ManyToManyField(Response, related_name="proposal_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question", "option", "body"], name="surveys_proposal_once"
            )
        ]


class SatisfactionSchedule(TimeStampedModel):
    """A street's quarterly satisfaction evaluation: the template sent every quarter."""

    region = models.ForeignKey(
        "orgs.Region", on_delete=models.CASCADE, related_name="+", verbose_name="街道"
    )
    title = models.CharField("名称", max_length=200, default="季度满意度测评")
    departments = models.JSONField("被测评部门", default=list)
    items = models.JSONField("服务项目", default=list)
    audience = models.CharField(
        "发放对象", max_length=16, choices=Audience.choices, default=Audience.UNITS
    )
    open_days = models.PositiveSmallIntegerField("填写天数", default=20)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "季度满意度测评计划"


class Tally(ScopedModel):
    """Counts of the submitted answers per option and place, kept at submit (the results' read
    model: a million answers read as a few hundred rows). `row="*", option="*"` counts the
    respondents who answered the question; `total` sums the values of scale and number rows."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=32)
    row = models.CharField(max_length=32, blank=True)
    option = models.CharField(max_length=32, blank=True)
    # "district:street:community:area" ids: the one unique key whatever is null
    place = models.CharField(max_length=80)
    n = models.PositiveIntegerField(default=0)
    total = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question", "row", "option", "place"], name="surveys_tally_key"
            )
        ]
