"""The community job board (拉勾计划, DOMAIN.md §8).

An enterprise's recruiter writes a posting; the community where the
enterprise sits reviews it before residents see it. A resident keeps one
resume, which the community also checks; employers can find it only while
the resident has consented to be found (QUALITY.md S16), and read its
contact details only through an application to their own posting.

Postings and applications are located where the enterprise is (its unit's
region), resumes where the resident lives, so the street's reports and the
community's review queue are indexed scope filters like every other table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.fields import EncryptedTextField
from lianjian.core.indexes import CoveringIndex
from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Category(models.TextChoices):
    MANUFACTURING = "manufacturing", "生产制造"
    SERVICE = "service", "生活服务"
    RETAIL = "retail", "零售商贸"
    LOGISTICS = "logistics", "物流仓储"
    OFFICE = "office", "行政文员"
    TECH = "tech", "技术研发"
    CARE = "care", "养老家政"
    CATERING = "catering", "餐饮"
    OTHER = "other", "其他"


class Education(models.TextChoices):
    ANY = "any", "不限"
    JUNIOR = "junior", "初中"
    HIGH = "high", "高中/中专"
    COLLEGE = "college", "大专"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士及以上"


# the order in which an education satisfies a requirement
EDUCATION_RANK = {value: rank for rank, value in enumerate(Education.values)}


class Posting(ScopedModel, TimeStampedModel):
    """One job opening of an enterprise; live only after the community approved it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "招聘中"
        RETURNED = "returned", "已退回"
        EXPIRED = "expired", "已过期"
        FILLED = "filled", "已招满"
        WITHDRAWN = "withdrawn", "已撤下"

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="job_postings", verbose_name="招聘企业"
    )
    title = models.CharField("岗位名称", max_length=100)
    description = models.TextField("岗位描述")
    category = models.CharField("岗位类别", max_length=16, choices=Category.choices)
    openings = models.PositiveIntegerField("招聘人数")
    pay_min = models.PositiveIntegerField("月薪下限（元）")
    pay_max = models.PositiveIntegerField("月薪上限（元）")
    hours = models.CharField("工作时间", max_length=100, blank=True)
    education = models.CharField(
        "学历要求", max_length=16, choices=Education.choices, default=Education.ANY
    )
    skills = models.CharField("技能要求", max_length=300, blank=True)
    age_min = models.PositiveSmallIntegerField("年龄下限", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("年龄上限", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话", purpose="jobs.posting.phone")
    expires_on = models.DateField("截止日期")
    urgent = models.BooleanField("急聘", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # jieba tokens of title, skills and description, written by the matching task
    terms = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "招聘岗位"
        ordering = ["-published_at", "-id"]
        indexes = [
            # a resident's list reads each distance band in the list's order
            # (selectors.NearestFirst); the closing date rides along so the
            # live count is an index-only scan on PostgreSQL
            *(
                CoveringIndex(
                    fields=["status", level, "-urgent", "-published_at", "-id"],
                    covering=["expires_on"],
                    name=f"jobs_post_{level}_near",
                )
                for level in ("district", "street", "community")
            ),
            models.Index(fields=["unit", "status"], name="jobs_post_unit"),
            models.Index(fields=["status", "expires_on"], name="jobs_post_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(openings__gte=1), name="jobs_post_openings"),
            models.CheckConstraint(condition=Q(pay_min__lte=F("pay_max")), name="jobs_post_pay"),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=F("age_max")),
                name="jobs_post_age",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Resume(ScopedModel, TimeStampedModel):
    """A resident's one resume; found by employers only while approved and consented."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已审核"
        RETURNED = "returned", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resume",
        verbose_name="居民账号",
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在社区"
    )
    name = models.CharField("姓名", max_length=50)
    phone = EncryptedTextField("联系电话", purpose="jobs.resume.phone")
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    education = models.CharField(
        "学历", max_length=16, choices=Education.choices, default=Education.ANY
    )
    skills = models.CharField("技能", max_length=300, blank=True)
    experience = models.TextField("工作经历", blank=True)
    wanted_category = models.CharField("期望岗位", max_length=16, choices=Category.choices)
    wanted_pay = models.PositiveIntegerField("期望月薪（元）", default=0)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # S16: being found by employers is voluntary; the consent's text version and time are kept
    discoverable = models.BooleanField("允许企业查找", default=False)
    consent_version = models.CharField(max_length=16, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # jieba tokens of skills and experience, written by the matching task
    terms = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "求职简历"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "district"], name="jobs_resume_district"),
            models.Index(fields=["status", "street"], name="jobs_resume_street"),
            models.Index(fields=["status", "community"], name="jobs_resume_community"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discoverable=False) | Q(consent_at__isnull=False),
                name="jobs_resume_found_only_with_consent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Application(ScopedModel, TimeStampedModel):
    """A resident's application to one posting; located where the enterprise is."""

    class Stage(models.TextChoices):
        APPLIED = "applied", "已投递"
        VIEWED = "viewed", "已查看"
        INTERVIEW = "interview", "面试"
        OFFER = "offer", "录用通知"
        HIRED = "hired", "已入职"
        DECLINED = "declined", "未录用"
        WITHDRAWN = "withdrawn", "已撤回"

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="applications")
    resume = models.ForeignKey(Resume, on_delete=models.PROTECT, related_name="applications")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(
        "阶段", max_length=16, choices=Stage.choices, default=Stage.APPLIED, db_index=True
    )
    note = models.CharField("留言", max_length=300, blank=True)
    hired_on = models.DateField("入职日期", null=True, blank=True)

    class Meta:
        verbose_name = "求职申请"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["stage", "district"], name="jobs_app_district"),
            models.Index(fields=["stage", "street"], name="jobs_app_street"),
            models.Index(fields=["stage", "community"], name="jobs_app_community"),
            models.Index(fields=["unit", "stage"], name="jobs_app_unit"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["posting", "resume"], name="jobs_app_once"),
            models.CheckConstraint(
                condition=~Q(stage="hired") | Q(hired_on__isnull=False), name="jobs_app_hired_on"
            ),
        ]


class ApplicationEvent(models.Model):
    """One stage change of an application, for its history."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(max_length=16, choices=Application.Stage.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Match(models.Model):
    """A suggested pair, computed in the background; `reasons` says why in Chinese."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="matches")
    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="matches")
    score = models.FloatField()
    reasons = models.CharField(max_length=300)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [
            models.Index(fields=["posting", "-score"], name="jobs_match_posting"),
            models.Index(fields=["resume", "-score"], name="jobs_match_resume"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["posting", "resume"], name="jobs_match_once")
        ]
