"""Visits to units and cross-appointed cadres (DOMAIN.md §3).

A visit is located where the visited unit is, so it carries the unit's
ancestor ids and scopes like the unit. A cadre is a person; each post links
them to one Party organization, and a cadre holding a current post in a
residential org and in a building org at once is cross-appointed (交叉任职):
their visits and the needs raised from them count for both organizations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Cadre(TimeStampedModel):
    """A person who visits units on behalf of one or more Party organizations."""

    name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "orgs.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre_profiles",
        verbose_name="对应党员",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre_profiles",
        verbose_name="系统账号",
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "干部"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CadrePost(ScopedModel, TimeStampedModel):
    """One post a cadre holds in a Party organization; scoped where the organization is."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="posts")
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="cadre_posts",
        verbose_name="任职党组织",
    )
    title = models.CharField("职务", max_length=50)
    since = models.DateField("任职日期")
    until = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "任职"
        ordering = ["since", "id"]
        indexes = [
            models.Index(fields=["district", "id"], name="visits_post_district_idx"),
            models.Index(fields=["street", "id"], name="visits_post_street_idx"),
            models.Index(fields=["community", "id"], name="visits_post_comm_idx"),
            models.Index(fields=["area", "id"], name="visits_post_area_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "party_org"],
                condition=models.Q(until__isnull=True),
                name="visits_post_one_open_per_org",
            )
        ]


class Visit(ScopedModel, TimeStampedModel):
    """One visit to a unit: who went, when, what they found, what follows."""

    class Method(models.TextChoices):
        ON_SITE = "on_site", "上门走访"
        MEETING = "meeting", "座谈会"
        PHONE = "phone", "电话访谈"

    class FollowUp(models.TextChoices):
        NONE = "none", "无需跟进"  # nothing left to do
        PENDING = "pending", "待跟进"  # something was promised and is not done yet
        DONE = "done", "已跟进"  # the promised follow-up happened

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="visits", verbose_name="走访单位"
    )
    visited_on = models.DateField("走访日期", db_index=True)
    method = models.CharField(
        "走访方式", max_length=16, choices=Method.choices, default=Method.ON_SITE
    )
    visitors = models.CharField("走访人员", max_length=200)
    cadre = models.ForeignKey(
        Cadre,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="走访干部",
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="代表党组织",
    )
    findings = models.TextField("走访情况")
    follow_up = models.TextField("跟进事项", blank=True)
    follow_up_status = models.CharField(
        "跟进状态", max_length=16, choices=FollowUp.choices, default=FollowUp.NONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "走访记录"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["district", "visited_on"], name="visits_visit_district_idx"),
            models.Index(fields=["street", "visited_on"], name="visits_visit_street_idx"),
            models.Index(fields=["community", "visited_on"], name="visits_visit_comm_idx"),
            models.Index(fields=["area", "visited_on"], name="visits_visit_area_idx"),
            models.Index(fields=["unit", "visited_on"], name="visits_visit_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.unit}"


class VisitNeed(models.Model):
    """A need raised from a visit (the need itself lives in the needs app)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="need_links")
    need = models.OneToOneField("needs.Need", on_delete=models.CASCADE, related_name="visit_link")
    created_at = models.DateTimeField(auto_now_add=True)
