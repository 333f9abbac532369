"""Projects and claiming (DOMAIN.md §5, seeds 000, 001, 003).

A community publishes an item (a public-welfare project, a resident's
micro-wish, a hard problem or service slots); organizations and members that
registered at the community (双报到) claim it, report progress with photos and
delivery, and the community confirms. The rules that must hold under
concurrency are constraints here, not only checks in the services:

- capacity: `Item.claimed_count <= capacity` (a check constraint; claims take a
  slot with a conditional update of the counter);
- "1+1": a co-building organization holds at most the street's limit of open
  hard problems; each open hard-problem claim takes a numbered `hard_slot`,
  unique per organization while open, and the service only hands out slots
  up to the limit — two concurrent claims of the last slot collide on the index;
- one open claim per claimant per item, one live registration per
  organization or member and community.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.fields import EncryptedTextField
from lianjian.core.indexes import CoveringIndex
from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Kind(models.TextChoices):
    PROJECT = "project", "公益项目"
    WISH = "wish", "微心愿"
    PROBLEM = "problem", "难题"
    SERVICE = "service", "服务岗位"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "草稿"  # written, not yet visible to claimants
    PUBLISHED = "published", "已发布"  # open: slots left to claim
    CLAIMED = "claimed", "已认领"  # every slot taken, no work reported yet
    IN_PROGRESS = "in_progress", "实施中"  # some claimant reported progress
    DELIVERED = "delivered", "待确认"  # every open claim reported delivery
    CONFIRMED = "confirmed", "已完成"  # the community confirmed every delivery
    WITHDRAWN = "withdrawn", "已撤回"  # the community took it back before work began
    EXPIRED = "expired", "已过期"  # its wanted-by date passed with no claim


OPEN_ITEM_STATUSES = (ItemStatus.PUBLISHED, ItemStatus.CLAIMED, ItemStatus.IN_PROGRESS)


class Item(ScopedModel, TimeStampedModel):
    """What a community needs done; located (and scoped) at the community."""

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容", blank=True)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="project_items", verbose_name="社区"
    )
    programme = models.CharField("公益品牌", max_length=50, blank=True)
    beneficiary_count = models.PositiveIntegerField("受益人数", default=0)
    estimated_value = models.DecimalField(
        "预估价值（元）", max_digits=12, decimal_places=2, default=0
    )
    wanted_by = models.DateField("期望完成日期", null=True, blank=True)
    capacity = models.PositiveIntegerField("认领名额", default=1)
    claimed_count = models.PositiveIntegerField("已认领", default=0)
    status = models.CharField(
        "状态", max_length=16, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    # people helped by the item, each counted once however many claimants helped
    # them: the largest confirmed claim's figure (kept at confirmation, summed by reports)
    people_helped = models.PositiveIntegerField("帮扶人数", default=0)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("完成时间", null=True, blank=True)
    # the first confirmation of a claim on the item: the reports count its people helped
    # in the period holding this moment, once (no join to the claims, P3)
    helped_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "认领项目"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["district", "status", "id"], name="proj_item_district_idx"),
            models.Index(fields=["street", "status", "id"], name="proj_item_street_idx"),
            models.Index(fields=["community", "status", "id"], name="proj_item_comm_idx"),
            # the claimants' phone list: open items with a slot left, newest first, in the
            # communities of their registrations — a small slice of a district's items
            models.Index(
                fields=["community", "-id"],
                condition=Q(status__in=OPEN_ITEM_STATUSES, claimed_count__lt=models.F("capacity")),
                name="proj_item_open_idx",
            ),
            # the community report reads a street's or district's slice of these alone
            # (index-only scans on PostgreSQL; see `selectors.community_report`, P3)
            *[
                CoveringIndex(
                    fields=[level],
                    covering=[
                        "community", "id", "published_at", "kind", "status",
                        "confirmed_at", "people_helped", "helped_at",
                    ],
                    name=f"proj_item_{level[:4]}_report_idx",
                )
                for level in ("district", "street")
            ],
            # the few items of a programme (帮扶对子): the report joins from their side
            models.Index(
                fields=["id"], condition=Q(programme__gt=""), name="proj_item_programme_idx"
            ),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=models.F("capacity")), name="proj_item_capacity"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="proj_item_capacity_min"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slots_left(self) -> int:
        return max(self.capacity - self.claimed_count, 0)


class Beneficiary(models.Model):
    """A named resident an item helps: personal data with consent (S9, S14–S16)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="beneficiaries")
    name = models.CharField("姓名", max_length=50)
    mobile = EncryptedTextField("手机号", purpose="projects.beneficiary.mobile", blank=True)
    note = EncryptedTextField("情况说明", purpose="projects.beneficiary.note", blank=True)
    consent_version = models.CharField("同意书版本", max_length=20)
    consented_at = models.DateTimeField("同意时间")
    consent_withdrawn_at = models.DateTimeField("撤回同意时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "受益人"


class ItemEvent(models.Model):
    """One transition of an item or one of its claims (history, statistics, notices)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    claim = models.ForeignKey(
        "Claim", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.CharField("动作", max_length=20)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class StreetRule(models.Model):
    """A street's setting of the "1+1" rule: open hard problems per co-building unit."""

    street = models.OneToOneField(
        "orgs.Region", on_delete=models.CASCADE, related_name="project_rule"
    )
    hard_problem_limit = models.PositiveSmallIntegerField("每单位同时认领难题数", default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hard_problem_limit__gte=1, hard_problem_limit__lte=20),
                name="proj_rule_limit_range",
            )
        ]


class RegStatus(models.TextChoices):
    PENDING = "pending", "待审核"  # submitted, the community has not decided
    APPROVED = "approved", "已报到"  # the community accepted: may claim here
    DECLINED = "declined", "未通过"  # the community declined, with a reason
    WITHDRAWN = "withdrawn", "已退出"  # the organization or member left


LIVE_REG_STATUSES = (RegStatus.PENDING, RegStatus.APPROVED)


class Registration(ScopedModel, TimeStampedModel):
    """双报到: an in-service organization or a member registers at a community.

    Exactly one of `party_org` and `member` is set; the "three lists" say what
    the registrant offers, needs and proposes.
    """

    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="project_registrations",
    )
    member = models.ForeignKey(
        "orgs.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="project_registrations",
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="报到社区"
    )
    status = models.CharField(
        "状态", max_length=16, choices=RegStatus.choices, default=RegStatus.PENDING
    )
    resources = models.TextField("资源清单", blank=True)
    skills = models.TextField("服务特长", blank=True)
    needs = models.TextField("需求清单", blank=True)
    proposals = models.TextField("项目清单", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField("未通过原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "双报到"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="proj_reg_comm_idx"),
            models.Index(fields=["street", "status"], name="proj_reg_street_idx"),
            models.Index(fields=["district", "status"], name="proj_reg_district_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_org__isnull=False, member__isnull=True)
                | Q(party_org__isnull=True, member__isnull=False),
                name="proj_reg_one_registrant",
            ),
            models.UniqueConstraint(
                fields=["party_org", "region"],
                condition=Q(status__in=LIVE_REG_STATUSES, party_org__isnull=False),
                name="proj_reg_org_once",
            ),
            # a member registers where they live: one live registration at a time
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=LIVE_REG_STATUSES, member__isnull=False),
                name="proj_reg_member_once",
            ),
        ]

    @property
    def registrant_name(self) -> str:
        return self.party_org.name if self.party_org_id else self.member.name  # type: ignore[union-attr]


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "已认领"  # promised, work not started: may still withdraw
    IN_PROGRESS = "in_progress", "实施中"  # progress reported (or delivery returned)
    DELIVERED = "delivered", "待确认"  # the claimant reported delivery
    CONFIRMED = "confirmed", "已确认"  # the community confirmed the delivery
    WITHDRAWN = "withdrawn", "已退出"  # the claimant withdrew before work started


OPEN_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS, ClaimStatus.DELIVERED)


class ValueKind(models.TextChoices):
    MONEY = "money", "资金"
    GOODS = "goods", "物资"
    SERVICE = "service", "服务折价"


class Claim(ScopedModel, TimeStampedModel):
    """One claimant's share of an item; located where the item is."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="claims")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="claims")
    # the claimant, copied from the registration for the constraints below
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    hard_slot = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    promised_by = models.DateField("承诺完成日期")
    percent = models.PositiveSmallIntegerField("进度", default=0)
    delivered_value = models.DecimalField(
        "交付价值（元）", max_digits=12, decimal_places=2, default=0
    )
    value_kind = models.CharField(
        "价值形式", max_length=16, choices=ValueKind.choices, default=ValueKind.GOODS
    )
    people_helped = models.PositiveIntegerField("帮扶人数", default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "认领"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="proj_claim_comm_idx"),
            models.Index(fields=["street", "status"], name="proj_claim_street_idx"),
            models.Index(fields=["district", "status"], name="proj_claim_district_idx"),
            models.Index(fields=["party_org", "status"], name="proj_claim_org_idx"),
            models.Index(fields=["member", "status"], name="proj_claim_member_idx"),
            models.Index(fields=["status", "promised_by"], name="proj_claim_due_idx"),
            *[
                CoveringIndex(
                    fields=[level],
                    covering=[
                        "community",
                        "item",
                        "status",
                        "created_at",
                        "delivered_at",
                        "confirmed_at",
                        "on_time",
                        "delivered_value",
                    ],
                    name=f"proj_claim_{level[:4]}_report_idx",
                )
                for level in ("district", "street")
            ],
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_org__isnull=False, member__isnull=True)
                | Q(party_org__isnull=True, member__isnull=False),
                name="proj_claim_one_claimant",
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="proj_claim_percent"),
            models.UniqueConstraint(
                fields=["item", "registration"],
                condition=Q(status__in=OPEN_CLAIM_STATUSES),
                name="proj_claim_once_per_item",
            ),
            # the "1+1" rule: numbered slots, unique per organization while open
            models.UniqueConstraint(
                fields=["party_org", "hard_slot"],
                condition=Q(status__in=OPEN_CLAIM_STATUSES, hard_slot__isnull=False),
                name="proj_claim_hard_slot",
            ),
            models.CheckConstraint(
                condition=Q(hard_slot__isnull=True) | Q(kind="problem", party_org__isnull=False),
                name="proj_claim_hard_slot_kind",
            ),
        ]

    @property
    def claimant_name(self) -> str:
        return self.party_org.name if self.party_org_id else self.member.name  # type: ignore[union-attr]


class DayTally(models.Model):
    """The community report's figures per community, platform day and programme.

    Kept at write time: every claim and item transition that changes a report
    figure moves its rows in the same transaction (`services_tally`, the rules in
    `tally.py`); the report sums a district's rows over the period's days (100
    communities x 365 days) instead of reading 500,000 items and claims (P3).
    Ids are plain integers, 0 for none, so the key is unique on every database;
    they carry the scoped tables' names, so the scope filter applies unchanged.
    """

    district_id = models.BigIntegerField(default=0)
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    area_id = models.BigIntegerField(default=0)
    programme = models.CharField(max_length=50, blank=True)
    day = models.DateField()
    published = models.IntegerField(default=0)
    claimed = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    # yuan in fen: sums of integers are exact on every database
    value_fen = models.BigIntegerField(default=0)
    people = models.BigIntegerField(default=0)
    problems_solved = models.IntegerField(default=0)
    pairs = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["district_id", "day"], name="proj_tally_district_idx"),
            models.Index(fields=["street_id", "day"], name="proj_tally_street_idx"),
        ]
        constraints = [
            # the key (a community's report reads its leading columns)
            models.UniqueConstraint(
                fields=["community_id", "day", "programme", "district_id", "street_id", "area_id"],
                name="proj_tally_key",
            ),
            # a figure below zero means a transition moved the tally without its row
            # (or rows were written around the services without a rebuild)
            models.CheckConstraint(
                condition=Q(
                    published__gte=0,
                    claimed__gte=0,
                    delivered__gte=0,
                    confirmed__gte=0,
                    on_time__gte=0,
                    value_fen__gte=0,
                    people__gte=0,
                    problems_solved__gte=0,
                    pairs__gte=0,
                ),
                name="proj_tally_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(on_time__lte=F("confirmed"), pairs__lte=F("confirmed")),
                name="proj_tally_within_confirmed",
            ),
        ]


class Progress(models.Model):
    """A progress report on a claim: text, percent, photos."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="progress")
    text = models.TextField("进展")
    percent = models.PositiveSmallIntegerField("进度")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


def photo_path(instance: Photo, filename: str) -> str:
    # never the uploaded name: our own token and the sniffed extension
    return f"projects/{instance.progress.claim_id}/{instance.token}.{instance.extension}"


class Photo(models.Model):
    """A photo attached to a progress report, checked by `core.attachments`."""

    progress = models.ForeignKey(Progress, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)


class Pair(ScopedModel, TimeStampedModel):
    """帮扶对子: a co-building unit paired with a household or a person in difficulty,
    for a long time; the help given is logged visit by visit (`PairVisit`)."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="pairs")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    # the household's contact person: personal data with consent, as for beneficiaries
    household_name = models.CharField("帮扶对象", max_length=50)
    household_note = EncryptedTextField("困难情况", purpose="projects.pair.note", blank=True)
    people = models.PositiveIntegerField("家庭人数", default=1)
    consent_version = models.CharField("同意书版本", max_length=20)
    consented_at = models.DateTimeField("同意时间")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "帮扶对子"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "id"], name="proj_pair_comm_idx"),
            models.Index(fields=["street", "id"], name="proj_pair_street_idx"),
            models.Index(fields=["district", "id"], name="proj_pair_district_idx"),
        ]


class PairVisit(models.Model):
    """One visit or one act of help to a paired household, with its value."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField("帮扶日期")
    note = models.CharField("帮扶内容", max_length=500)
    value = models.DecimalField("价值（元）", max_digits=12, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]
        indexes = [models.Index(fields=["pair", "visited_on"], name="proj_pairvisit_idx")]


def pair_photo_path(instance: PairVisitPhoto, filename: str) -> str:
    # never the uploaded name: our own token and the sniffed extension
    return f"projects/pairs/{instance.visit.pair_id}/{instance.token}.{instance.extension}"


class PairVisitPhoto(models.Model):
    """A photo of a visit, taken on the phone; checked by `core.attachments`."""

    visit = models.ForeignKey(PairVisit, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=pair_photo_path)
    created_at = models.DateTimeField(auto_now_add=True)
