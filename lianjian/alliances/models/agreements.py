"""Co-building agreements (共驻共建协议书) between a community or street and a unit."""

from __future__ import annotations

from django.db import models

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Agreement(ScopedModel, TimeStampedModel):
    """An agreement signed by a community's (or street's) Party organization and a unit."""

    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区/街道"
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name="签约党组织"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="共建单位"
    )
    title = models.CharField("协议名称", max_length=100)
    signed_on = models.DateField("签订日期")
    starts_on = models.DateField("期限起")
    ends_on = models.DateField("期限止", db_index=True)
    # set once when the renewal reminder went out
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "共驻共建协议书"
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["district", "id"], name="alli_agr_dist_idx"),
            models.Index(fields=["street", "id"], name="alli_agr_street_idx"),
            models.Index(fields=["community", "id"], name="alli_agr_comm_idx"),
            models.Index(fields=["unit", "id"], name="alli_agr_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="alli_agr_term"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgreementItem(models.Model):
    """One commitment of one side: a resource, a service or a project, with its status."""

    class Side(models.TextChoices):
        COMMUNITY = "community", "社区方"
        UNIT = "unit", "单位方"

    class Kind(models.TextChoices):
        RESOURCE = "resource", "资源"
        SERVICE = "service", "服务"
        PROJECT = "project", "项目"

    class Status(models.TextChoices):
        PENDING = "pending", "未开始"
        IN_PROGRESS = "in_progress", "履行中"
        DONE = "done", "已兑现"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    side = models.CharField("承诺方", max_length=16, choices=Side.choices)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    text = models.CharField("承诺内容", max_length=200)
    status = models.CharField(
        "履行状态", max_length=16, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        ordering = ["agreement", "side", "id"]
