"""Rating schemes, rounds and the annual grades of Party organizations (DOMAIN.md §9).

A district publishes one scheme a year: criteria in weighted groups, the grade
thresholds (好/较好/一般/差) and the star levels. A round rates every Party
organization in its scope: each `Rating` walks the workflow of
`ratings.workflow.ALLOWED_TRANSITIONS` (self-assessment → street review →
district confirmation, appeals), one `CriterionScore` per criterion.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel


class Grade(models.TextChoices):
    GOOD = "good", "好"
    FAIR = "fair", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


GRADE_ORDER = (Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.POOR)
STAR_WORDS = {1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


class Scheme(TimeStampedModel):
    """A district's criteria for one year; frozen once published (a round reads it)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # criteria still being edited
        PUBLISHED = "published", "已发布"  # criteria fixed, rounds may open

    district = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("方案名称", max_length=200)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    # total score (0–100) at or above which a rating earns the grade
    good_min = models.DecimalField("“好”最低分", max_digits=5, decimal_places=1, default=90)
    fair_min = models.DecimalField("“较好”最低分", max_digits=5, decimal_places=1, default=75)
    average_min = models.DecimalField("“一般”最低分", max_digits=5, decimal_places=1, default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "评定方案"
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="ratings_scheme_one_a_year"),
            models.CheckConstraint(
                condition=Q(good_min__lte=100)
                & Q(good_min__gt=F("fair_min"))
                & Q(fair_min__gt=F("average_min"))
                & Q(average_min__gte=0),
                name="ratings_scheme_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="ratings_scheme_year_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def grade_for(self, total: Decimal) -> str:
        if total >= self.good_min:
            return Grade.GOOD
        if total >= self.fair_min:
            return Grade.FAIR
        if total >= self.average_min:
            return Grade.AVERAGE
        return Grade.POOR


class StarLevel(models.Model):
    """A star level of a scheme: the total score at or above which it is earned."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="star_levels")
    stars = models.PositiveSmallIntegerField("星级")
    min_score = models.DecimalField("最低分", max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = "星级标准"
        ordering = ["-stars"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "stars"], name="ratings_star_once"),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="ratings_star_range"
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0, min_score__lte=100), name="ratings_star_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{STAR_WORDS.get(self.stars, self.stars)}级党组织"


class CriterionGroup(models.Model):
    """A group of criteria; `weight` is its share (percent) of the 100-point total."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("分组", max_length=100)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "指标分组"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="ratings_group_name_once"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100), name="ratings_group_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    COMPUTED = "computed", "平台数据自动计算"  # an indicator of `ratings.indicators`
    MANUAL = "manual", "人工评分（附佐证）"  # scored by hand, evidence attached


class Criterion(models.Model):
    group = models.ForeignKey(CriterionGroup, on_delete=models.CASCADE, related_name="criteria")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField("指标", max_length=200)
    description = models.TextField("评分说明", blank=True)
    max_score = models.DecimalField("满分", max_digits=5, decimal_places=1)
    method = models.CharField("评分方式", max_length=16, choices=Method.choices)
    # computed criteria: the indicator's key and the value that earns full marks
    indicator = models.CharField("数据指标", max_length=64, blank=True)
    target = models.FloatField("满分对应值", null=True, blank=True)
    evidence_required = models.BooleanField("须附佐证", default=False)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "评定指标"
        ordering = ["group__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="ratings_criterion_name_once"),
            models.CheckConstraint(
                condition=Q(max_score__gt=0, max_score__lte=100),
                name="ratings_criterion_max_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(method="computed", target__gt=0) & ~Q(indicator="")
                    | Q(method="manual", indicator="", target__isnull=True)
                ),
                name="ratings_criterion_method_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Round(TimeStampedModel):
    """The year's rating of a scheme's organizations."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"  # ratings may move
        CLOSED = "closed", "已结束"  # nothing moves any more

    class Scope(models.TextChoices):
        LIANGXIN = "liangxin", "两新组织党组织"  # organizations covering a 两新 unit
        ALL = "all", "全部党组织"

    scheme = models.OneToOneField(Scheme, on_delete=models.PROTECT, related_name="round")
    district = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=200)
    scope = models.CharField("范围", max_length=16, choices=Scope.choices, default=Scope.LIANGXIN)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    self_due = models.DateField("自评截止", null=True, blank=True)
    review_due = models.DateField("审核截止", null=True, blank=True)

    class Meta:
        verbose_name = "评定轮次"
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="ratings_round_one_a_year")
        ]

    def __str__(self) -> str:
        return self.name


class RatingStatus(models.TextChoices):
    PENDING = "pending", "待自评"  # the organization has not submitted its self-assessment
    RETURNED = "returned", "退回修改"  # the street sent it back with comments
    SUBMITTED = "submitted", "待街道审核"  # self-assessment submitted to the street
    REVIEWED = "reviewed", "待区级确认"  # the street scored it; the district confirms
    CONFIRMED = "confirmed", "已确认"  # grade final and locked
    APPEALED = "appealed", "申诉中"  # the organization appealed a confirmed grade


class Rating(ScopedModel, TimeStampedModel):
    """One Party organization's rating in one round (its ancestors' ids for scope, P1)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="ratings")
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    # copied from the organization when the round opened: reports group by it
    org_type = models.CharField("组织类型", max_length=32)
    status = models.CharField(
        "状态", max_length=16, choices=RatingStatus.choices, default=RatingStatus.PENDING
    )
    self_total = models.DecimalField("自评得分", max_digits=5, decimal_places=1, null=True)
    total = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField("等次", max_length=16, choices=Grade.choices, blank=True)
    stars = models.PositiveSmallIntegerField("星级", default=0)
    summary = models.TextField("自评总结", blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    appeal_reason = models.TextField("申诉理由", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # bumped on every transition: a form carries it so a stale action is refused
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "党组织定级"
        constraints = [
            models.UniqueConstraint(fields=["round", "party_org"], name="ratings_rating_once"),
            models.CheckConstraint(condition=Q(stars__lte=5), name="ratings_rating_stars_range"),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "appealed"])
                | (~Q(grade="") & Q(total__isnull=False) & Q(confirmed_at__isnull=False)),
                name="ratings_confirmed_has_grade",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "year", "grade"], name="ratings_district_grade_idx"),
            models.Index(fields=["street", "year", "grade"], name="ratings_street_grade_idx"),
            models.Index(fields=["round", "status"], name="ratings_round_status_idx"),
            models.Index(fields=["party_org", "year"], name="ratings_org_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.party_org_id}"

    @property
    def is_locked(self) -> bool:
        return self.status in (RatingStatus.CONFIRMED, RatingStatus.APPEALED)


class CriterionScore(models.Model):
    """A rating's score on one criterion: the organization's, then the street's."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    # computed criteria: the indicator's value when last computed
    value = models.FloatField("数据值", null=True, blank=True)
    self_score = models.DecimalField("自评分", max_digits=5, decimal_places=1, null=True)
    review_score = models.DecimalField("审核分", max_digits=5, decimal_places=1, null=True)
    evidence_text = models.TextField("佐证说明", blank=True)
    comment = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "指标得分"
        constraints = [
            models.UniqueConstraint(fields=["rating", "criterion"], name="ratings_score_once"),
            models.CheckConstraint(
                condition=Q(self_score__isnull=True) | Q(self_score__gte=0),
                name="ratings_self_score_positive",
            ),
            models.CheckConstraint(
                condition=Q(review_score__isnull=True) | Q(review_score__gte=0),
                name="ratings_review_score_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id}/{self.criterion_id}"

    @property
    def score(self) -> Decimal | None:
        return self.review_score if self.review_score is not None else self.self_score


def evidence_file_path(instance: Evidence, filename: str) -> str:
    # never the uploaded name: our token and the extension the bytes proved
    return f"ratings/{instance.score.rating_id}/{instance.token}.{instance.extension}"


class Evidence(models.Model):
    """A photo or PDF backing a hand-scored criterion, checked by magic bytes."""

    score = models.ForeignKey(CriterionScore, on_delete=models.CASCADE, related_name="files")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=evidence_file_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"

    def __str__(self) -> str:
        return self.original_name


class RatingEvent(models.Model):
    """One transition of a rating: the history shown on its page and fed to notifications."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=RatingStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "定级流转记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}->{self.to_status}"
