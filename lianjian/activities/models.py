"""Volunteer teams, events with sign-up and QR check-in, and verified service hours (DOMAIN §6).

A person takes part through one `Volunteer` profile, created only with their
consent (QUALITY.md S16: text version and time kept); withdrawing it hides
them from team lists and stops new sign-ups, while past hours stay theirs.
Events are located where their organizer is (scope ids), sign-ups and
attendance where the event is, service hours where the volunteer lives, so
the community's report and the street's list are indexed scope filters.

Capacity is a counter on the event guarded by a check constraint and taken
with a conditional update (never a read-modify-write), so parallel sign-ups
for the last place cannot overfill it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lianjian.core.models import TimeStampedModel
from lianjian.orgs.models import ScopedModel

CONSENT_VERSION = "2026-01"


class Volunteer(ScopedModel, TimeStampedModel):
    """A person's activities profile: a registry member or a registered resident."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profile",
    )
    member = models.ForeignKey(
        "orgs.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对应党员",
    )
    name = models.CharField("姓名", max_length=50)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在社区"
    )
    skills = models.CharField("特长", max_length=200, blank=True)
    # S16: joining is voluntary; withdrawal keeps history but stops sign-ups
    consent_version = models.CharField(max_length=16)
    consent_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # the personal QR an organizer scans (opaque, never the pk)
    qr_token = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = "志愿者"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["community", "withdrawn_at"], name="act_vol_community"),
            models.Index(fields=["street", "withdrawn_at"], name="act_vol_street"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Team(ScopedModel, TimeStampedModel):
    """A volunteer team of a community or a unit's Party organization."""

    class Status(models.TextChoices):
        ACTIVE = "active", "活跃"  # recruits and serves
        PAUSED = "paused", "暂停"  # kept, no new members
        DISSOLVED = "dissolved", "已解散"

    name = models.CharField("队伍名称", max_length=100)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属社区"
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属党组织",
    )
    leader = models.ForeignKey(
        Volunteer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="队长",
    )
    skills = models.CharField("服务特长", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )

    class Meta:
        verbose_name = "志愿服务队"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["community", "status"], name="act_team_community")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="act_team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        verbose_name = "队员"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="act_membership_open_once",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="act_membership_dates",
            ),
        ]


class Kind(models.TextChoices):
    PARTY_DAY = "party_day", "主题党日"
    STUDY = "study", "联学联建"
    LECTURE = "lecture", "讲座党课"
    SERVICE = "service", "志愿服务"
    SPORTS = "sports", "文体活动"
    MATCHMAKING = "matchmaking", "联谊交友"
    OTHER = "other", "其他"


class Audience(models.TextChoices):
    PUBLIC = "public", "公开"  # every member of the district
    COMMUNITY = "community", "本社区"  # volunteers living in the event's community
    ORGS = "orgs", "指定党组织"  # members of the organizing or named organizations
    ALLIANCE = "alliance", "联盟成员"  # people working in a unit of the alliance
    TEAM = "team", "本队队员"  # open members of the organizing team


class Event(ScopedModel, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"  # only organizers see it
        PUBLISHED = "published", "报名中"  # open for sign-up until the deadline
        CANCELLED = "cancelled", "已取消"
        DONE = "done", "已结束"  # summary written, hours settled

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    title = models.CharField("活动名称", max_length=100)
    description = models.TextField("活动内容", blank=True)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域"
    )
    organizer_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organizer_alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organizer_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # a joint Party day led by a cross-appointed cadre (交叉任职), when one leads it
    cadre = models.ForeignKey(
        "visits.Cadre", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200, blank=True)
    audience = models.CharField(
        "面向", max_length=16, choices=Audience.choices, default=Audience.COMMUNITY
    )
    audience_orgs = models.ManyToManyField("orgs.PartyOrg", blank=True, related_name="+")
    capacity = models.PositiveIntegerField("名额", null=True, blank=True)  # None: no limit
    taken = models.PositiveIntegerField("已报名", default=0)
    signup_deadline = models.DateTimeField("报名截止", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    checkin_token = models.CharField(max_length=32, unique=True)
    summary = models.TextField("活动小结", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "活动"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="act_event_community"),
            models.Index(fields=["street", "starts_at"], name="act_event_street"),
            models.Index(fields=["district", "status", "starts_at"], name="act_event_district"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="act_event_times"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(taken__lte=F("capacity")),
                name="act_event_capacity",
            ),
            models.CheckConstraint(
                condition=Q(organizer_org__isnull=False)
                | Q(organizer_alliance__isnull=False)
                | Q(organizer_team__isnull=False),
                name="act_event_has_organizer",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organizer_name(self) -> str:
        for who in (self.organizer_org, self.organizer_alliance, self.organizer_team):
            if who is not None:
                return str(who)
        return ""


def event_photo_path(instance: EventPhoto, filename: str) -> str:
    # never the uploaded name: our own token and the extension the bytes proved
    return f"activities/events/{instance.event_id}/{instance.token}.{instance.extension}"


class EventPhoto(models.Model):
    """A photo of a held event, checked by `core.attachments` and served by its token."""

    event = models.ForeignKey("Event", on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=event_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "活动照片"
        ordering = ["created_at", "id"]


class EventOrganizer(models.Model):
    """Each Party organization sharing an event (联组): the event counts for every one."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organizers")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "party_org"], name="act_organizer_once")
        ]


class Signup(ScopedModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "已报名"  # holds a place
        WAITING = "waiting", "候补中"  # promoted in order when a place frees
        CANCELLED = "cancelled", "已取消"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "报名"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="act_signup_queue"),
            models.Index(fields=["volunteer", "status"], name="act_signup_volunteer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "volunteer"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="act_signup_open_once",
            )
        ]


class Attendance(ScopedModel):
    """A volunteer was present (scanned the event's code, or was scanned or marked)."""

    class Method(models.TextChoices):
        QR = "qr", "扫活动码"
        SCAN = "scan", "组织者扫个人码"
        STAFF = "staff", "组织者补录"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="attendance")
    method = models.CharField(max_length=8, choices=Method.choices)
    at = models.DateTimeField("签到时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "签到"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["volunteer", "at"], name="act_att_volunteer")]
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="act_attendance_once")
        ]


class HoursRecord(ScopedModel, TimeStampedModel):
    """Service hours: from an attendance (event's duration, adjustable) or self-logged."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        VERIFIED = "verified", "已认定"
        REJECTED = "rejected", "未通过"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="hours")
    attendance = models.OneToOneField(
        Attendance, on_delete=models.CASCADE, null=True, blank=True, related_name="hours"
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="hours"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on = models.DateField("服务日期")
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=1)
    description = models.CharField("服务内容", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField("不通过原因", max_length=200, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "服务时长"
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "status", "on"], name="act_hours_volunteer"),
            models.Index(fields=["community", "status", "on"], name="act_hours_community"),
            models.Index(fields=["street", "status", "on"], name="act_hours_street"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="act_hours_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="act_hours_reject_reason"
            ),
        ]


class Venue(ScopedModel, TimeStampedModel):
    """A shared room or space, owned by a community or a unit's Party organization."""

    name = models.CharField("场地名称", max_length=100)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域"
    )
    owner_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="管理党组织",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("容纳人数")
    opens_at = models.TimeField("开放时间")
    closes_at = models.TimeField("关闭时间")
    is_active = models.BooleanField("开放预约", default=True)

    class Meta:
        verbose_name = "共享场地"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="act_venue_hours"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="act_venue_capacity"),
        ]

    def __str__(self) -> str:
        return self.name


class Booking(ScopedModel, TimeStampedModel):
    """A request for a venue over a time range; approved ones never overlap.

    On PostgreSQL an exclusion constraint (btree_gist, migration 0002) refuses
    overlapping approved bookings of one venue; on every database the approval
    locks the venue row and checks first (`services.booking_decide`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"  # holds the venue for the range
        REJECTED = "rejected", "未批准"
        CANCELLED = "cancelled", "已取消"

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    purpose = models.CharField("用途", max_length=200)
    attendees = models.PositiveIntegerField("人数", default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField("审批意见", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "场地预约"
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["venue", "status", "starts_at"], name="act_booking_venue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="act_booking_times"
            ),
        ]


class Roster(ScopedModel, TimeStampedModel):
    """A duty roster (排班表): posts by day and time slot that volunteers take within capacity."""

    name = models.CharField("排班表名称", max_length=100)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属社区"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="rosters"
    )
    description = models.TextField("说明", blank=True)
    is_open = models.BooleanField("开放认领", default=True)

    class Meta:
        verbose_name = "排班表"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class RosterSlot(models.Model):
    """A post at a time range: on one date (dated), or every week on a weekday between two
    dates (weekly recurring); each date it falls on is an occurrence with its own capacity."""

    class Weekday(models.IntegerChoices):
        MON = 0, "周一"
        TUE = 1, "周二"
        WED = 2, "周三"
        THU = 3, "周四"
        FRI = 4, "周五"
        SAT = 5, "周六"
        SUN = 6, "周日"

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="slots")
    post = models.CharField("岗位", max_length=100)
    day = models.DateField("日期", null=True, blank=True)  # a dated slot
    # a weekly recurring slot: its weekday, from and until (both included)
    weekday = models.PositiveSmallIntegerField(
        "每周", choices=Weekday.choices, null=True, blank=True
    )
    from_day = models.DateField("起始日期", null=True, blank=True)
    until_day = models.DateField("截止日期", null=True, blank=True)
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("人数", default=1)
    # a dated slot's holders (a conditional update); weekly occurrences count their shifts
    # under the slot's row lock (`services.rosters`)
    taken = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["day", "weekday", "starts", "post", "id"]
        indexes = [models.Index(fields=["roster", "day"], name="act_slot_roster_day")]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="act_slot_times"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(taken__lte=F("capacity")),
                name="act_slot_capacity",
            ),
            models.CheckConstraint(
                condition=(
                    Q(day__isnull=False)
                    & Q(weekday__isnull=True)
                    & Q(from_day__isnull=True)
                    & Q(until_day__isnull=True)
                )
                | (
                    Q(day__isnull=True)
                    & Q(weekday__gte=0)
                    & Q(weekday__lte=6)
                    & Q(from_day__isnull=False)
                    & Q(until_day__gte=F("from_day"))
                    & Q(taken=0)
                ),
                name="act_slot_dated_or_weekly",
            ),
            models.UniqueConstraint(
                fields=["roster", "post", "day", "starts"], name="act_slot_unique"
            ),
            models.UniqueConstraint(
                fields=["roster", "post", "weekday", "starts"],
                condition=Q(day__isnull=True),
                name="act_slot_weekly_unique",
            ),
        ]

    @property
    def weekly(self) -> bool:
        return self.day is None

    def falls_on(self, on: dt.date) -> bool:
        """Whether the slot has an occurrence on `on`."""
        if self.day is not None:
            return on == self.day
        assert self.from_day is not None and self.until_day is not None
        return self.from_day <= on <= self.until_day and on.weekday() == self.weekday


class Shift(models.Model):
    """A volunteer holding one occurrence of a slot; released shifts are kept for the record."""

    slot = models.ForeignKey(RosterSlot, on_delete=models.CASCADE, related_name="shifts")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="shifts")
    on = models.DateField("值班日期")  # the occurrence: a dated slot's day, or a week's date
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["on", "slot__starts", "id"]
        indexes = [
            models.Index(fields=["volunteer", "released_at"], name="act_shift_volunteer"),
            models.Index(fields=["on", "released_at"], name="act_shift_on"),
            models.Index(fields=["slot", "on"], name="act_shift_occurrence"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "on", "volunteer"],
                condition=Q(released_at__isnull=True),
                name="act_shift_once",
            )
        ]


# the Party school lives in its own module (models.py stays under ~600 lines); its models
# are re-exported here, where Django and the app's modules look for them
from lianjian.activities.models_school import Completion as Completion  # noqa: E402
from lianjian.activities.models_school import Course as Course  # noqa: E402
from lianjian.activities.models_school import Lesson as Lesson  # noqa: E402
