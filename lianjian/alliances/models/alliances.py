"""Alliances with their charters and member units; joint-meeting bodies with theirs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


def _scope_indexes(prefix: str) -> list[models.Index]:
    return [
        models.Index(fields=[f, "id"], name=f"alli_{prefix}_{f[:4]}_idx")
        for f in ("district", "street", "community")
    ]


class Level(models.TextChoices):
    DISTRICT = "district", "区级"
    STREET = "street", "街道级"
    COMMUNITY = "community", "社区级"
    INDUSTRY = "industry", "行业"


class Alliance(ScopedModel, TimeStampedModel):
    """A Party-building alliance (党建联盟): a lead unit and member units acting together."""

    name = models.CharField("联盟名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    # where the alliance sits in the region tree; its ancestor ids scope it
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域"
    )
    lead_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="牵头单位",
    )
    lead_party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="牵头党组织",
    )
    founded_on = models.DateField("成立日期")
    purpose = models.TextField("宗旨", blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "党建联盟"
        ordering = ["-founded_on", "id"]
        indexes = _scope_indexes("alliance")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="alli_alliance_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class CharterVersion(models.Model):
    """One adopted text of an alliance's charter (章程); the highest version is current."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="charters")
    version = models.PositiveIntegerField("版本")
    text = models.TextField("章程全文")
    adopted_on = models.DateField("通过日期")
    adopted_at = models.ForeignKey(
        "alliances.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="通过会议",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联盟章程版本"
        ordering = ["alliance", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "version"], name="alli_charter_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="alli_charter_pos"),
        ]


class Position(models.TextChoices):
    LEAD = "lead", "牵头单位"
    VICE_CHAIR = "vice_chair", "副理事长单位"
    COUNCIL = "council", "理事单位"
    MEMBER = "member", "成员单位"


class AllianceMember(TimeStampedModel):
    """A unit's membership of an alliance; a unit may belong to several alliances."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="alliance_memberships"
    )
    position = models.CharField(
        "职务", max_length=16, choices=Position.choices, default=Position.MEMBER
    )
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)
    # a founding member joined on the founding date (seed 000: 41 founding units)
    is_founding = models.BooleanField("首批成员", default=False)
    liaison_member = models.ForeignKey(
        "orgs.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="联络人（党员）",
    )
    liaison_name = models.CharField("联络人", max_length=50, blank=True)

    class Meta:
        verbose_name = "联盟成员单位"
        ordering = ["alliance", "position", "joined_on", "id"]
        indexes = [models.Index(fields=["unit", "alliance"], name="alli_member_unit_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "unit"],
                condition=models.Q(left_on__isnull=True),
                name="alli_member_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="alli_member_dates",
            ),
        ]


class Cadence(models.TextChoices):
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    HALF_YEARLY = "half_yearly", "每半年"
    YEARLY = "yearly", "每年"


# months per cadence period
CADENCE_MONTHS = {
    Cadence.MONTHLY: 1,
    Cadence.QUARTERLY: 3,
    Cadence.HALF_YEARLY: 6,
    Cadence.YEARLY: 12,
}


class Body(ScopedModel, TimeStampedModel):
    """A joint-meeting body (联席会议) or an alliance's assembly (联盟大会)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "区级联席会议"
        STREET = "street", "街道联席会议"
        COMMUNITY = "community", "社区联席会议"
        ASSEMBLY = "assembly", "联盟大会"

    class Majority(models.TextChoices):
        SIMPLE = "simple", "过半数"  # more yes than half of the votes cast
        TWO_THIRDS = "two_thirds", "三分之二以上"  # at least two thirds of the votes cast

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域"
    )
    # an assembly's members are its alliance's current member units
    alliance = models.ForeignKey(
        Alliance,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name="所属联盟",
    )
    cadence = models.CharField(
        "召开周期", max_length=16, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    # share of member units that must attend for a vote to count
    quorum_percent = models.PositiveSmallIntegerField("法定到会比例（%）", default=50)
    majority = models.CharField(
        "表决规则", max_length=16, choices=Majority.choices, default=Majority.SIMPLE
    )
    # cadence compliance counts periods from this day on
    established_on = models.DateField("设立日期", default=timezone.localdate)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "联席会议"
        ordering = ["region", "kind", "id"]
        indexes = _scope_indexes("body")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quorum_percent__gte=1, quorum_percent__lte=100),
                name="alli_body_quorum_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="assembly") | models.Q(alliance__isnull=False),
                name="alli_body_assembly_has_alliance",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A member unit of a joint-meeting body that is not an alliance's assembly."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        verbose_name = "联席会议成员单位"
        indexes = [models.Index(fields=["unit", "body"], name="alli_bodymember_unit_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "unit"],
                condition=models.Q(left_on__isnull=True),
                name="alli_bodymember_one_open",
            )
        ]
