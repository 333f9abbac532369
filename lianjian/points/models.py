"""Points and the red alliance card (积分, 红色动力双赢卡, DOMAIN.md §7).

A member who joined the programme (consent, S16) earns points by the street's
rules; every change is an append-only `Entry` (DESIGN.md rule 5) and the
`Balance` row is kept equal to the sum of entries in the same transaction.
Each period a community certifies its members' points (认定); certification
assigns the street's tiers (金卡 / 银卡) to cards. Merchants of the red alliance
sign development agreements (发展协议) with community Party committees and give
the discount their agreement sets for a card's tier, recorded as a `Redemption`.

Every table is located where the member (or the merchant's shop) is, so scope
filters are the indexed ancestor-id equalities of `orgs.ScopedModel`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.fields import EncryptedTextField
from lianjian.orgs.models import ScopedModel


class Cause(models.TextChoices):
    ATTENDANCE = "attendance", "参加活动"
    SERVICE_HOURS = "service_hours", "志愿服务时长"
    LESSON = "lesson", "完成课程学习"
    CLAIM = "claim", "认领项目完成"
    MANUAL = "manual", "书记调整"
    IMPORT = "import", "台账导入"
    EXPIRY = "expiry", "积分过期"
    SPEND = "spend", "积分兑换"
    CORRECTION = "correction", "更正"


# causes awarded by a rule (one entry per cause and rule)
RULE_CAUSES = (Cause.ATTENDANCE, Cause.SERVICE_HOURS, Cause.LESSON, Cause.CLAIM)


class CapPeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class Rule(ScopedModel):
    """How many points a cause earns in a street. Rules are data: editing one closes it
    (`valid_until`) and starts its successor, so an entry names the version it used."""

    cause = models.CharField("积分事由", max_length=16, choices=Cause.choices)
    # attendance: the event kind the rule applies to ("" = any kind)
    event_kind = models.CharField("活动类型", max_length=32, blank=True)
    name = models.CharField("规则名称", max_length=100)
    # per cause; service hours: per verified hour
    points = models.IntegerField("积分")
    period_cap = models.PositiveIntegerField("周期上限", null=True, blank=True)
    cap_period = models.CharField(
        "上限周期", max_length=8, choices=CapPeriod.choices, default=CapPeriod.YEAR
    )
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期", null=True, blank=True)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="successor"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积分规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="points_rule_dates_ordered",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="points_rule_points_nonzero"),
            models.CheckConstraint(condition=Q(street__isnull=False), name="points_rule_street"),
        ]
        indexes = [models.Index(fields=["street", "cause", "valid_from"])]

    def __str__(self) -> str:
        return self.name


class Scheme(ScopedModel):
    """A street's programme settings: expiry of points and the two tiers' names and thresholds."""

    expiry_enabled = models.BooleanField("积分过期", default=False)
    expiry_days = models.PositiveIntegerField("有效天数", default=365)
    gold_name = models.CharField("金卡名称", max_length=20, default="金卡")
    gold_threshold = models.PositiveIntegerField("金卡门槛", default=100)
    silver_name = models.CharField("银卡名称", max_length=20, default="银卡")
    silver_threshold = models.PositiveIntegerField("银卡门槛", default=50)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分方案"
        constraints = [
            models.UniqueConstraint(fields=["street"], name="points_scheme_one_per_street"),
            models.CheckConstraint(
                condition=Q(gold_threshold__gt=F("silver_threshold")),
                name="points_scheme_gold_above_silver",
            ),
            models.CheckConstraint(condition=Q(expiry_days__gte=1), name="points_scheme_days"),
        ]


class Enrolment(ScopedModel):
    """A member's consent to the points and card programme (S16): version, time, withdrawal."""

    member = models.OneToOneField(
        "orgs.Member", on_delete=models.PROTECT, related_name="points_enrolment"
    )
    consent_version = models.CharField(max_length=16)
    consent_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "积分计划参加记录"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Entry(ScopedModel):
    """One append-only change of a member's points, traceable to its cause."""

    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField("积分")
    cause = models.CharField("事由", max_length=16, choices=Cause.choices)
    cause_id = models.CharField("事由编号", max_length=64)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("时间", db_index=True)
    # the day the cause happened (periods, caps and certification count by it)
    on = models.DateField("发生日期")
    note = models.CharField("说明", max_length=200, blank=True)
    # an award's expiry date when its street expires points
    expires_on = models.DateField("到期日期", null=True, blank=True)

    class Meta:
        verbose_name = "积分明细"
        constraints = [
            models.UniqueConstraint(
                fields=["cause", "cause_id", "member", "rule"], name="points_entry_once_per_cause"
            ),
            models.UniqueConstraint(
                fields=["cause", "cause_id", "member"],
                condition=Q(rule__isnull=True),
                name="points_entry_once_per_cause_norule",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_nonzero"),
        ]
        indexes = [
            # a member's history, newest first, paged by (time, id): the keyset's own order
            models.Index(fields=["member", "-created_at", "-id"], name="points_entry_history_idx"),
            models.Index(fields=["community", "on"], name="points_entry_community_idx"),
            models.Index(fields=["street", "on", "cause"], name="points_entry_street_idx"),
        ]


class Balance(ScopedModel):
    """A member's points: always the sum of their entries (`points_check`)."""

    member = models.OneToOneField("orgs.Member", on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField("积分余额", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分余额"
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="points_balance_nonnegative")
        ]


class Certification(ScopedModel):
    """A community's certification (认定) of its members' points for one period."""

    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    label = models.CharField("周期", max_length=20)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    certified_at = models.DateTimeField("认定时间")
    gold = models.PositiveIntegerField("金卡数", default=0)
    silver = models.PositiveIntegerField("银卡数", default=0)

    class Meta:
        verbose_name = "积分认定"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "period_start", "period_end"],
                name="points_certification_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="points_cert_dates"
            ),
        ]


class CertifiedTotal(models.Model):
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField("认定积分")
    tier = models.CharField("等级", max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "member"], name="points_certified_once"
            )
        ]


class Tier(models.TextChoices):
    GOLD = "gold", "金卡"
    SILVER = "silver", "银卡"


TIER_RANK = {Tier.SILVER: 1, Tier.GOLD: 2}


class Card(ScopedModel):
    """A member's red alliance card; its QR carries `token`, random and rotatable."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        SUSPENDED = "suspended", "已暂停"
        REVOKED = "revoked", "已注销"

    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField("等级", max_length=8, choices=Tier.choices)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default="active")
    token = models.CharField(max_length=64, unique=True)
    certification = models.ForeignKey(
        Certification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField("发卡时间")
    valid_until = models.DateField("有效期至")

    class Meta:
        verbose_name = "红色动力双赢卡"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["active", "suspended"]),
                name="points_one_current_card",
            )
        ]
        indexes = [models.Index(fields=["street", "tier", "status"], name="points_card_tier_idx")]


class CardEvent(models.Model):
    class Action(models.TextChoices):
        ISSUE = "issue", "发卡"
        UPGRADE = "upgrade", "升级"
        DOWNGRADE = "downgrade", "降级"
        RENEW = "renew", "续期"
        SUSPEND = "suspend", "暂停"
        RESUME = "resume", "恢复"
        REVOKE = "revoke", "注销"
        ROTATE = "rotate", "更换二维码"

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    tier = models.CharField("等级", max_length=8, choices=Tier.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.CharField("原因", max_length=200, blank=True)


class Merchant(ScopedModel):
    """A shop of the red alliance: a unit (个体工商户 or enterprise) with its shop details."""

    class Category(models.TextChoices):
        CATERING = "catering", "餐饮"
        RETAIL = "retail", "零售超市"
        SERVICE = "service", "生活服务"
        HEALTH = "health", "医药健康"
        EDUCATION = "education", "教育培训"
        OTHER = "other", "其他"

    unit = models.OneToOneField("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    shop_name = models.CharField("店铺名称", max_length=100)
    shop_address = models.CharField("店铺地址", max_length=200)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话", purpose="points.merchant.phone", blank=True)
    joined_on = models.DateField("加入红色联盟日期")
    left_on = models.DateField("退出日期", null=True, blank=True)
    # the shopkeeper's account (the merchant persona sees this shop only)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="points_shops",
    )

    class Meta:
        verbose_name = "联盟商户"
        indexes = [models.Index(fields=["district", "id"], name="points_merchant_district_idx")]

    def __str__(self) -> str:
        return self.shop_name


class Agreement(ScopedModel):
    """A development agreement (发展协议) between a community Party committee and a merchant.

    Located where the community is; the discount is in 折 (9.0 = 10% off)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="agreements")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    gold_discount = models.DecimalField("金卡折扣", max_digits=3, decimal_places=1)
    silver_discount = models.DecimalField("银卡折扣", max_digits=3, decimal_places=1)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发展协议"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="points_agr_term"
            ),
            models.CheckConstraint(
                condition=Q(gold_discount__gt=0, gold_discount__lte=10)
                & Q(silver_discount__gt=0, silver_discount__lte=10)
                & Q(gold_discount__lte=F("silver_discount")),
                name="points_agr_discounts",
            ),
            models.UniqueConstraint(
                fields=["merchant", "party_org", "starts_on"], name="points_agr_once"
            ),
        ]

    def discount(self, tier: str) -> object:
        return self.gold_discount if tier == Tier.GOLD else self.silver_discount


class Redemption(ScopedModel):
    """A card used at a merchant: the discount given, the amount (optional)."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="redemptions")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField("等级", max_length=8, choices=Tier.choices)
    discount = models.DecimalField("折扣", max_digits=3, decimal_places=1)
    amount = models.DecimalField("消费金额", max_digits=10, decimal_places=2, null=True, blank=True)
    request_key = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "用卡记录"
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "request_key"], name="points_redemption_once_per_request"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="points_redemption_amt"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-at"], name="points_red_merchant_idx"),
            models.Index(fields=["member", "-at", "-id"], name="points_red_history_idx"),
        ]
