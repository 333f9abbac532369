"""Registries: the region tree, units, Party organizations and members (DOMAIN.md §1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from treebeard.mp_tree import MP_Node

from lianjian.core.fields import EncryptedTextField
from lianjian.core.models import TimeStampedModel
from lianjian.core.naturalsort import SORT_KEY_LENGTH, natural_sort_key


class NaturalOrderMixin(models.Model):
    """Siblings listed 第一、第二、…、第十 by `sort_key`, the name's natural key.

    The key follows the name on every save (a single-row invariant); writers that
    bypass `save()` (bulk inserts) set it with `natural_sort_key` themselves.
    """

    sort_key = models.CharField("排序键", max_length=SORT_KEY_LENGTH, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_key = natural_sort_key(self.name)  # type: ignore[attr-defined]
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields and "sort_key" not in fields:
            kwargs["update_fields"] = [*fields, "sort_key"]
        super().save(*args, **kwargs)


class ScopedModel(models.Model):
    """Carries its ancestors' region ids so scope filters are indexed equalities (P1).

    Services fill these from the row's own region; selectors filter on them
    through `lianjian.orgs.access`.
    """

    district = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Region(NaturalOrderMixin, MP_Node, TimeStampedModel):
    """A node of the region tree: district → street → community, plus non-residential areas.

    Buildings, parks and markets hang under a street or a community. Each row
    also stores its own ancestors' ids, which scoped tables copy.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", "区"
        STREET = "street", "街道/镇"
        COMMUNITY = "community", "社区/村"
        AREA = "area", "功能区"

    class AreaType(models.TextChoices):
        RESIDENTIAL = "residential", "居民区"
        BUILDING = "building", "商务楼宇"
        PARK = "park", "园区"
        MARKET = "market", "商圈市场"
        VILLAGE = "village", "村"

    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    area_type = models.CharField(
        "区域类型", max_length=16, choices=AreaType.choices, default=AreaType.RESIDENTIAL
    )
    code = models.CharField("区划代码", max_length=32, blank=True)
    is_active = models.BooleanField("有效", default=True)
    district_ref = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street_ref = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community_ref = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    node_order_by = ["name"]

    class Meta:
        verbose_name = "区域"

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> dict[str, int | None]:
        """The district/street/community/area ids a row located here carries."""
        return {
            "district_id": self.pk if self.level == self.Level.DISTRICT else self.district_ref_id,
            "street_id": self.pk if self.level == self.Level.STREET else self.street_ref_id,
            "community_id": self.pk
            if self.level == self.Level.COMMUNITY
            else self.community_ref_id,
            "area_id": self.pk if self.level == self.Level.AREA else None,
        }


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL_ORG = "social_org", "社会组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    COMMUNITY_TEAM = "community_team", "社区活动团队"


# 两新 (new economic and social organizations) as counted by seed 002: the
# denominator of organization coverage excludes individual businesses and teams.
LIANGXIN_KINDS = (UnitKind.PRIVATE_ENTERPRISE, UnitKind.SOCIAL_ORG)
LIANGXIN_EXCLUDED_KINDS = (UnitKind.INDIVIDUAL_BUSINESS, UnitKind.COMMUNITY_TEAM)
# a unit with this many members must form its own Party organization (seed 002)
VIOLATION_MIN_MEMBERS = 3


class Unit(ScopedModel, TimeStampedModel):
    """An organization in the territory (单位)."""

    name = models.CharField("单位名称", max_length=200)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, null=True, blank=True, unique=True
    )
    kind = models.CharField("单位类别", max_length=32, choices=UnitKind.choices)
    industry = models.CharField("所属行业", max_length=100, blank=True)
    employees = models.PositiveIntegerField("从业人员数", default=0)
    is_above_scale = models.BooleanField("规模以上", default=False)
    is_foreign_invested = models.BooleanField("外资", default=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name="所在区域"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    liaison_name = models.CharField(
        "党建指导员/联络员", max_length=50, blank=True, help_text="无党员单位的工作覆盖"
    )
    registered_on = models.DateField("登记日期", null=True, blank=True)
    deregistered_on = models.DateField("注销日期", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)
    # Kept by `orgs.services_members.unit_member_dates_refresh` whenever a member is written.
    # Members carry no leave date (one taken off the roll is inactive on every date), so
    # a unit's live member count only grows with the date: "has members on D" is
    # `member_since <= D` and "has 3+ members on D" is `min_members_since <= D`. The
    # coverage report reads these instead of aggregating members per report (ADR 0005).
    member_since = models.DateField("有党员起始日", null=True, blank=True, editable=False)
    min_members_since = models.DateField("党员达3人起始日", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "单位"
        indexes = [
            models.Index(fields=["district", "id"]),
            models.Index(fields=["street", "id"]),
            models.Index(fields=["community", "id"]),
            models.Index(fields=["area", "id"]),
            models.Index(fields=["kind"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """An update writes every column but the member dates: an instance loaded before a
        member of the unit was written holds stale ones (the refresh owns them)."""
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
            and not (args and args[0])  # force_insert given by position
        ):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in UNIT_DERIVED_FIELDS
            ]
        super().save(*args, **kwargs)


UNIT_DERIVED_FIELDS = frozenset({"member_since", "min_members_since"})


class PartyOrg(NaturalOrderMixin, MP_Node, ScopedModel, TimeStampedModel):
    """A Party organization; the tree is 党委 → 党总支 → 党支部 → 党小组."""

    class Level(models.TextChoices):
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        GROUP = "group", "党小组"

    class Formation(models.TextChoices):
        SINGLE = "single", "单独建"
        JOINT = "joint", "联合建"
        TEMPORARY = "temporary", "临时建"

    class OrgType(models.TextChoices):
        # seed 002 names two of its seven types; the rest follow common practice
        INDEPENDENT = "independent", "独立建制党组织"
        BUILDING_JOINT = "building_joint", "楼宇联合型党组织"
        PARK_JOINT = "park_joint", "园区联合型党组织"
        INDUSTRY = "industry", "行业型党组织"
        MARKET_JOINT = "market_joint", "商圈市场联合型党组织"
        SOCIAL_ORG = "social_org", "社会组织党组织"
        REGIONAL = "regional", "区域兜底型党组织"

    name = models.CharField("组织名称", max_length=200)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    formation = models.CharField(
        "组建方式", max_length=16, choices=Formation.choices, default=Formation.SINGLE
    )
    org_type = models.CharField(
        "组织类型", max_length=32, choices=OrgType.choices, default=OrgType.INDEPENDENT
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="party_orgs", verbose_name="所在区域"
    )
    covered_units: models.ManyToManyField[Unit, OrgUnitCoverage] = models.ManyToManyField(
        Unit, through="OrgUnitCoverage", related_name="covering_orgs", blank=True
    )
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = "党组织"
        indexes = [
            models.Index(fields=["district", "id"], name="orgs_po_district_idx"),
            models.Index(fields=["street", "id"], name="orgs_po_street_idx"),
            models.Index(fields=["community", "id"], name="orgs_po_community_idx"),
            models.Index(fields=["area", "id"], name="orgs_po_area_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class OrgUnitCoverage(models.Model):
    """Which units an organization covers, and since when (history for as-of reports)."""

    party_org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="coverages")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="coverages")
    since = models.DateField("起始日期", null=True, blank=True)
    until = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party_org", "unit"],
                condition=models.Q(until__isnull=True),
                name="orgs_coverage_one_open_link",
            )
        ]


class Member(ScopedModel, TimeStampedModel):
    """A Party member. ID number and mobile are encrypted; the blind indexes find them."""

    class Status(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    id_number = EncryptedTextField("身份证号", purpose="member.id_number")
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    mobile = EncryptedTextField("手机号", purpose="member.mobile", blank=True)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    status = models.CharField(
        "党员类别", max_length=16, choices=Status.choices, default=Status.FULL
    )
    party_org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    workplace_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="工作单位",
    )
    residence_community = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_members",
        verbose_name="居住社区",
    )
    is_floating = models.BooleanField("流动党员", default=False)
    floating_to = models.CharField("流入/流出地", max_length=100, blank=True)
    floating_reason = models.CharField("流动原因", max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_profile",
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "党员"
        indexes = [
            models.Index(fields=["district", "id"], name="orgs_mem_district_idx"),
            models.Index(fields=["street", "id"], name="orgs_mem_street_idx"),
            models.Index(fields=["community", "id"], name="orgs_mem_community_idx"),
            models.Index(fields=["area", "id"], name="orgs_mem_area_idx"),
            # member lists (live members, newest first) and their bounded counts read the
            # page's ids and the count from these alone, by index-only scans (P1, P2)
            *(
                models.Index(
                    fields=[level, "id"],
                    condition=models.Q(is_active=True),
                    name=f"orgs_mem_{level}_live_idx",
                )
                for level in ("district", "street", "community")
            ),
            # a workplace unit's member dates (`Unit.member_since`), recomputed from its
            # live members by an index-only scan whenever one of them is written
            models.Index(
                fields=["workplace_unit", "joined_on"],
                condition=models.Q(is_active=True, workplace_unit__isnull=False),
                name="orgs_mem_workplace_live_idx",
            ),
            # floating-member figures of the coverage report: a small slice of members,
            # read by an index-only scan whatever the report's level (P3)
            models.Index(
                fields=["district", "street", "community", "area", "floating_to", "joined_on"],
                condition=models.Q(is_active=True, is_floating=True),
                name="orgs_mem_floating_scope_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IdConflict(ScopedModel):
    """An attempt to register an ID number that belongs to a member outside the actor's
    scope (QUALITY.md S25). The actor only learns "cannot register this number here";
    the district holding the member sees this record (scoped by the member's region).

    A single attempt names the member; a ledger file over the report cap is one record
    per district holding some of its numbers, with their count and no member.
    """

    class Via(models.TextChoices):
        FORM = "form", "登记页面"
        API = "api", "接口"
        LEDGER = "ledger", "台账导入"
        OTHER = "other", "其他"

    created_at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    via = models.CharField("途径", max_length=8, choices=Via.choices, default=Via.OTHER)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="已登记党员",
    )
    attempted_org = models.ForeignKey(
        PartyOrg,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="拟登记党组织",
    )
    count = models.PositiveIntegerField("号码个数", default=1)
    file_name = models.CharField("文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "身份证号码登记冲突"
        indexes = [
            models.Index(fields=["district", "-created_at"], name="orgs_idconf_district_idx")
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.created_at:%Y-%m-%d %H:%M}"
