"""Needs channel and work orders (DOMAIN.md §2).

Configuration (categories, departments, routing, deadlines, the working-day
calendar, escalation) is data each street edits, not code: its models are in
`models_config`, imported here. A `Need` moves through an explicit state machine
(`lianjian.needs.workflow`); every move writes a `NeedEvent`, which carries the
dimensions statistics group by, so figures can be recomputed from history as
of any date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.core.fields import EncryptedTextField
from lianjian.core.indexes import CoveringIndex
from lianjian.core.models import TimeStampedModel
from lianjian.needs.models_config import CalendarDay as CalendarDay
from lianjian.needs.models_config import CalendarSource as CalendarSource
from lianjian.needs.models_config import Category as Category
from lianjian.needs.models_config import Department as Department
from lianjian.needs.models_config import StreetSettings as StreetSettings
from lianjian.orgs.models import ScopedModel

# ---------------------------------------------------------------- needs


class Channel(models.TextChoices):
    HOTLINE = "hotline", "热线"
    WINDOW = "window", "民意征求窗口"
    VISIT = "visit", "走访"
    SURVEY = "survey", "问卷调查"
    ONLINE = "online", "网上表单"
    API = "api", "接口"


class SubmitterKind(models.TextChoices):
    UNIT = "unit", "单位"
    PERSON = "person", "个人"
    ANONYMOUS = "anonymous", "匿名"


class Status(models.TextChoices):
    RECEIVED = "received", "已受理"  # waiting for a dispatcher
    DISPATCHED = "dispatched", "已派单"  # sent to a department, not yet accepted
    ACCEPTED = "accepted", "办理中"  # the department took it on
    REPLIED = "replied", "已答复"  # the department answered; waiting for the rating
    RATED = "rated", "已评价"  # the submitter (or a callback) rated the reply
    CLOSED = "closed", "已办结"  # finished
    RETURNED = "returned", "已退回"  # department says not ours; back to the dispatcher
    TRANSFERRED = "transferred", "已转办"  # moved to another department, not yet accepted
    REOPENED = "reopened", "重新办理"  # unsatisfied rating sent it back to the department
    MERGED = "merged", "已合并"  # a duplicate following its main case
    REJECTED = "rejected", "不予受理"  # out of remit, spam or invalid


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.RETURNED,
    Status.TRANSFERRED,
    Status.REOPENED,
)
# a department owes a reply while the need is in one of these
AWAITING_REPLY = (Status.DISPATCHED, Status.ACCEPTED, Status.TRANSFERRED, Status.REOPENED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Need(ScopedModel, TimeStampedModel):
    """One need (诉求) from any channel, tracked as a work order."""

    tracking_code = models.CharField("查询码", max_length=12, unique=True)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    text = models.TextField("需求内容")
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="needs", verbose_name="所在区域"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name="提出单位",
    )
    submitter_kind = models.CharField(
        "提出人类型", max_length=16, choices=SubmitterKind.choices, default=SubmitterKind.PERSON
    )
    submitter_name = models.CharField("提出人", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联系电话", purpose="need.contact_phone", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # bumped on every transition: a form carries it so a stale action is refused
    version = models.PositiveIntegerField(default=1)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    # what triage proposed at intake, kept to measure it and to learn from corrections
    proposed_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposal_confidence = models.FloatField(null=True, blank=True)
    proposal_source = models.CharField(max_length=32, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField("答复期限", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    service_item = models.ForeignKey(
        "ServiceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name="匹配服务项目",
    )
    rating = models.CharField("满意度", max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    # keyed hash of the submission the key came with: the same key with another body is refused
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "需求"
        indexes = [
            models.Index(fields=["district", "id"], name="needs_need_district_idx"),
            models.Index(fields=["street", "id"], name="needs_need_street_idx"),
            models.Index(fields=["community", "id"], name="needs_need_community_idx"),
            models.Index(fields=["area", "id"], name="needs_need_area_idx"),
            models.Index(fields=["department", "id"], name="needs_need_dept_idx"),
        ]
        constraints = [
            # concurrent retries of one API submission create exactly one row (R2)
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="needs_need_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.text[:20]}"

    @property
    def proposal_source_label(self) -> str:
        return PROPOSAL_SOURCE_LABELS.get(self.proposal_source, self.proposal_source)


def attachment_path(instance: NeedAttachment, filename: str) -> str:
    # never trust the uploaded name: only our own token and the detected extension
    return f"needs/{instance.need_id}/{instance.token}.{instance.extension}"


class NeedAttachment(models.Model):
    """An image or PDF attached to a need, checked by magic bytes and size."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_path)
    created_at = models.DateTimeField(auto_now_add=True)


# what each history row's `action` means to a reader; the transition table in
# services.py takes its labels from here
EVENT_ACTION_LABELS = {
    "submit": "提交",
    "dispatch": "派单",
    "reject": "不予受理",
    "merge": "合并",
    "close": "办结",
    "accept": "签收",
    "reply": "答复",
    "return": "退回",
    "transfer": "转办",
    "rate": "评价",
    "reopen": "重新办理",
}
PROPOSAL_SOURCE_LABELS = {"model": "历史数据模型", "keywords": "关键词规则", "none": "无建议"}


class NeedEvent(ScopedModel):
    """One transition (or escalation) of a need: the history statistics are computed from.

    Carries a snapshot of the need's dimensions at the time, so grouping by
    department, category, street or channel needs no join and old figures do
    not move when a need is later transferred.
    """

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, db_index=True)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deadline = models.DateTimeField(null=True, blank=True)
    # set on reply events: answered within the deadline, and how long it took since dispatch
    on_time = models.BooleanField(null=True, blank=True)
    reply_seconds = models.PositiveIntegerField(null=True, blank=True)
    # set on rate events
    rating = models.CharField(max_length=16, choices=Rating.choices, blank=True)

    @property
    def action_label(self) -> str:
        return EVENT_ACTION_LABELS.get(self.action, self.action)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["street", "at"], name="needs_event_street_at_idx"),
            models.Index(fields=["community", "at"], name="needs_event_comm_at_idx"),
            models.Index(fields=["district", "at"], name="needs_event_district_at_idx"),
            models.Index(fields=["department", "at"], name="needs_event_dept_at_idx"),
            models.Index(fields=["need", "at"], name="needs_event_need_at_idx"),
        ]


# what statistics read from a summary besides the keys of its covering indexes below
# (scope column, last_event_at, submitted_at; `lianjian.needs.selectors`): the grouped
# key of every dimension, the state and each figure's moment
SUMMARY_STATS_COLUMNS = (
    "need",
    "channel",
    "department",
    "category",
    "district",
    "street",
    "community",
    "status",
    "deadline",
    "first_dispatched_at",
    "first_replied_at",
    "first_on_time",
    "first_reply_seconds",
    "rating",
    "rated_at",
    "first_reopened_at",
)


class NeedSummary(ScopedModel):
    """One need's history folded into one row (`lianjian.needs.summary`): what statistics read.

    Written in the same transaction as each event, so figures for the present
    are one scan of a narrow table; figures as of a past date read the rows
    whose `last_event_at` is not later and fold the events of the others only.
    `lianjian needs_summary_rebuild` recomputes every row from history.
    """

    need = models.OneToOneField(
        Need, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_dispatched_at = models.DateTimeField(null=True, blank=True)
    first_replied_at = models.DateTimeField(null=True, blank=True)
    first_on_time = models.BooleanField(null=True, blank=True)
    first_reply_seconds = models.PositiveIntegerField(null=True, blank=True)
    # the latest rating and when it was given
    rating = models.CharField(max_length=16, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    first_reopened_at = models.DateTimeField(null=True, blank=True)
    # the latest counted event: as of any date from then on, this row is the need
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "需求统计摘要"
        # overdue counts per department read only these (index-only scans, P3)
        indexes = (
            [
                models.Index(
                    fields=[level, "department", "deadline"],
                    condition=models.Q(status__in=AWAITING_REPLY),
                    name=f"needs_sum_{level[:4]}_due_idx",
                )
                for level in ("district", "street", "community")
            ]
            + [
                models.Index(
                    fields=["department", "deadline"],
                    condition=models.Q(status__in=AWAITING_REPLY),
                    name="needs_sum_dept_due_idx",
                )
            ]
            + [
                # statistics that read summaries (a window, a past date) scan one district's
                # or street's slice of this index alone: its rows lie all over the heap, so
                # without every column they read it fetched nearly the whole table (P3).
                # last_event_at leads the rest: a past date reads a range of the slice
                # (moved since, unchanged since); submitted_at in the key filters the
                # needs alive then in the index. The covering columns are PostgreSQL's
                # only (SQLite has no INCLUDE: there it is an index of the key alone).
                CoveringIndex(
                    fields=[level, "last_event_at", "submitted_at"],
                    covering=[name for name in SUMMARY_STATS_COLUMNS if name != level],
                    name=f"needs_sum_{level[:4]}_stats_idx",
                )
                for level in ("district", "street")
            ]
        )


class NeedTally(models.Model):
    """All-time figures per combination of dimensions, moved by each summary change.

    Statistics for the present without a start date sum these few rows instead
    of scanning every summary. Ids are plain integers, 0 for none, so the key
    is unique on every database; the ancestor ids carry the same names as on
    scoped tables, so the scope chokepoint's filter applies unchanged.
    """

    district_id = models.BigIntegerField(default=0, db_index=True)
    street_id = models.BigIntegerField(default=0, db_index=True)
    community_id = models.BigIntegerField(default=0, db_index=True)
    area_id = models.BigIntegerField(default=0, db_index=True)
    department_id = models.BigIntegerField(default=0, db_index=True)
    category_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=16)
    submitted = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    reply_seconds = models.BigIntegerField(default=0)
    reply_timed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "district_id",
                    "street_id",
                    "community_id",
                    "area_id",
                    "department_id",
                    "category_id",
                    "channel",
                ],
                name="needs_tally_key_unique",
            )
        ]


class TriageCorrection(models.Model):
    """A dispatcher's final labels for a need: training data for triage retraining.

    Written at every dispatch; `corrected` tells whether it differed from the proposal.
    """

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="triage_labels")
    street = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    proposed_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    corrected = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class Callback(models.Model):
    """A staff phone callback (回访) to the submitter, with what they said."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="callbacks")
    rating = models.CharField("满意度", max_length=16, choices=Rating.choices)
    note = models.CharField("回访记录", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


# ---------------------------------------------------------------- service catalogue (§8)


class ServiceStation(ScopedModel, TimeStampedModel):
    """A service station (服务站) in a street, community or building."""

    name = models.CharField("服务站名称", max_length=100)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="service_stations"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "服务站"

    def __str__(self) -> str:
        return self.name


class ServiceItem(ScopedModel, TimeStampedModel):
    """A service offered through the alliance (e.g. the 六个便利), with its provider unit."""

    station = models.ForeignKey(
        ServiceStation, on_delete=models.CASCADE, related_name="items", verbose_name="服务站"
    )
    name = models.CharField("服务项目", max_length=100)
    kind = models.CharField("服务类型", max_length=20, blank=True)
    description = models.TextField("说明", blank=True)
    provider = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_items",
        verbose_name="提供单位",
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_items",
        verbose_name="对应需求类别",
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "服务项目"

    def __str__(self) -> str:
        return self.name
