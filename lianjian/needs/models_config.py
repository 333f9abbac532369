"""Needs configuration each street edits as data, not code (DOMAIN.md §2): departments,
the category tree with its deadlines and routes, the street's fallback and
escalation rule, and the working-day calendar.

`lianjian.needs.models` imports these, so they are the app's models as any other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import TimeStampedModel


class Department(TimeStampedModel):
    """A functional department (职能部门) that answers dispatched needs.

    Handlers are users holding Grant(role=dept_handler, department_key=key),
    so `key` is unique across the deployment.
    """

    street = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="need_departments"
    )
    key = models.SlugField("部门编码", max_length=64, unique=True)
    name = models.CharField("部门名称", max_length=100)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "职能部门"
        ordering = ["street_id", "name"]

    def __str__(self) -> str:
        return self.name


class Category(TimeStampedModel):
    """A node of a street's need-category tree, with its reply deadline and default route."""

    street = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="need_categories"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField("类别名称", max_length=50)
    # reply deadline counted in working days from dispatch
    deadline_workdays = models.PositiveSmallIntegerField("答复时限（工作日）", default=5)
    # routing rule: category → department (None falls back to the street's default)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name="责任部门",
    )
    keywords = models.CharField(
        "关键词", max_length=300, blank=True, help_text="以空格分隔，供分拣规则参考"
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "需求类别"
        ordering = ["street_id", "parent_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "parent", "name"], name="needs_category_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class StreetSettings(TimeStampedModel):
    """Per-street routing fallback and escalation rule."""

    street = models.OneToOneField(
        "orgs.Region", on_delete=models.CASCADE, related_name="needs_settings"
    )
    fallback_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="兜底部门",
    )
    default_deadline_workdays = models.PositiveSmallIntegerField(
        "默认答复时限（工作日）", default=5
    )
    # escalate to street dispatchers this many working days after the deadline (0 = at once)
    escalate_after_workdays = models.PositiveSmallIntegerField("逾期后升级（工作日）", default=0)
    remind_before_workdays = models.PositiveSmallIntegerField("到期前提醒（工作日）", default=1)
    # a replied need nobody rates is closed this many working days after the reply (0 = never)
    autoclose_after_workdays = models.PositiveSmallIntegerField(
        "答复后未评价自动办结（工作日）", default=10
    )

    class Meta:
        verbose_name = "街道需求设置"


class CalendarSource(models.TextChoices):
    """Who a calendar day comes from; a street's day beats its district's, which beats national."""

    NATIONAL = (
        "national",
        "国家",
    )  # the State Council's schedule, loaded by `lianjian calendar sync`
    DISTRICT = "district", "区"  # a district's own day off or extra workday
    STREET = "street", "街道"  # a street's own day off or extra workday


class CalendarDay(models.Model):
    """An exception to the default week (Mon–Fri work, weekends off) at one level.

    A holiday on a weekday is `is_workday=False`; a 调休 make-up Saturday is
    `is_workday=True`. National rows (no region) come from the `chinesecalendar`
    package; district and street rows are local edits, which the sync never touches.
    `edited_at` is empty only on rows the sync wrote.
    """

    date = models.DateField("日期")
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=50, blank=True)
    source = models.CharField(
        "来源", max_length=16, choices=CalendarSource.choices, default=CalendarSource.NATIONAL
    )
    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        verbose_name="区域",
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )
    edited_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "工作日历"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(region__isnull=True),
                name="needs_calendar_national_date_unique",
            ),
            models.UniqueConstraint(
                fields=["region", "date"],
                condition=models.Q(region__isnull=False),
                name="needs_calendar_local_date_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(source=CalendarSource.NATIONAL, region__isnull=True)
                    | models.Q(
                        source__in=[CalendarSource.DISTRICT, CalendarSource.STREET],
                        region__isnull=False,
                    )
                ),
                name="needs_calendar_source_matches_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'}"
