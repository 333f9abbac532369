"""Duty rosters (排班表): slots of posts by day and time, taken within capacity, swapped or
released, and a reminder the day before.

Taking a slot is a conditional update of its counter (`taken < capacity`),
backed by the check constraint `act_slot_capacity`; a swap moves a shift to
another slot in one transaction, so the volunteer never holds neither or both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianjian.activities.models import Roster, RosterSlot, Shift, Team, Volunteer
from lianjian.activities.services.common import ActivityError, located, text
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MAX_SLOTS = 2000
# a weekly roster runs at most a year (its occurrences are counted, never stored)
MAX_WEEKLY_SPAN = dt.timedelta(days=366)


def occurrences(slot: RosterSlot, first: dt.date, last: dt.date) -> list[dt.date]:
    """The dates from `first` to `last` (both included) on which the slot falls."""
    if slot.day is not None:
        return [slot.day] if first <= slot.day <= last else []
    assert slot.from_day is not None and slot.until_day is not None
    lo, hi = max(first, slot.from_day), min(last, slot.until_day)
    if lo > hi:
        return []
    lo += dt.timedelta(days=(int(slot.weekday or 0) - lo.weekday()) % 7)
    return [lo + dt.timedelta(weeks=n) for n in range(((hi - lo).days // 7 + 1) if lo <= hi else 0)]


@transaction.atomic
def roster_create(
    *,
    actor: User | None,
    name: str,
    region: Region,
    posts: Iterable[str],
    times: Iterable[tuple[dt.time, dt.time]],
    days: Iterable[dt.date] = (),
    weekdays: Iterable[int] = (),
    from_day: dt.date | None = None,
    until_day: dt.date | None = None,
    capacity: int = 1,
    team: Team | None = None,
    description: str = "",
) -> Roster:
    """A roster with one slot per post x time range x day (dated) or x weekday (weekly
    recurring from `from_day` until `until_day`)."""
    posts = [text(p, "岗位", "posts", 100) for p in posts]
    days, times, weekdays = list(days), list(times), sorted(set(weekdays))
    if days and weekdays:
        raise ActivityError("请选择按日期排班或每周循环排班中的一种", "days")
    if not posts or not (days or weekdays) or not times:
        raise ActivityError("请至少填写一个岗位、一个日期（或星期）和一个时段", "posts")
    if any(not isinstance(w, int) or w < 0 or w > 6 for w in weekdays):
        raise ActivityError("星期应为周一到周日", "weekdays")
    if weekdays:
        if from_day is None or until_day is None:
            raise ActivityError("每周循环的排班请填写起止日期", "until_day")
        if until_day < from_day:
            raise ActivityError("截止日期应不早于起始日期", "until_day")
        if until_day - from_day > MAX_WEEKLY_SPAN:
            raise ActivityError("每周循环的排班最长一年", "until_day")
    if len(posts) * len(days or weekdays) * len(times) > MAX_SLOTS:
        raise ActivityError(f"一张排班表最多 {MAX_SLOTS} 个班次", "days")
    if any(end <= start for start, end in times):
        raise ActivityError("时段的结束应晚于开始", "times")
    if capacity < 1 or capacity > 50:
        raise ActivityError("每个班次 1 到 50 人", "capacity")
    roster = Roster.objects.create(
        name=text(name, "排班表名称", "name", 100),
        region=region,
        team=team,
        description=text(description, "说明", "description", 2000, required=False),
        **located(region),
    )
    if days:
        slots = [
            RosterSlot(roster=roster, post=p, day=d, starts=s, ends=e, capacity=capacity)
            for d in days
            for s, e in times
            for p in posts
        ]
    else:
        slots = [
            RosterSlot(
                roster=roster,
                post=p,
                weekday=w,
                from_day=from_day,
                until_day=until_day,
                starts=s,
                ends=e,
                capacity=capacity,
            )
            for w in weekdays
            for s, e in times
            for p in posts
        ]
    try:
        with transaction.atomic():
            RosterSlot.objects.bulk_create(slots)
    except IntegrityError:
        raise ActivityError("岗位、日期和时段有重复", "posts") from None
    audit_record("activity.roster_created", user=actor, obj=roster)
    return roster


def _occurrence(slot: RosterSlot, on: dt.date | None) -> dt.date:
    """The date of the occurrence asked for: a dated slot's own day, a weekly slot's `on`."""
    if slot.day is not None:
        if on is not None and on != slot.day:
            raise ActivityError("该班次不在这一天", "on")
        return slot.day
    if not isinstance(on, dt.date) or not slot.falls_on(on):
        raise ActivityError("请选择该班次排到的日期", "on")
    return on


def _take(slot: RosterSlot, volunteer: Volunteer, on: dt.date | None = None) -> Shift:
    if not slot.roster.is_open:
        raise ActivityError("该排班表已停止认领", status=409)
    if volunteer.withdrawn_at is not None:
        raise ActivityError("您已撤回参加志愿服务的同意", "volunteer", 409)
    on = _occurrence(slot, on)
    if on < timezone.localdate():
        raise ActivityError("不能认领已过去的班次", status=409)
    if Shift.objects.filter(
        slot=slot, on=on, volunteer=volunteer, released_at__isnull=True
    ).exists():
        raise ActivityError("您已认领该班次", status=409)
    clash = Shift.objects.filter(
        volunteer=volunteer,
        released_at__isnull=True,
        on=on,
        slot__starts__lt=slot.ends,
        slot__ends__gt=slot.starts,
    ).exclude(slot=slot)
    if clash.exists():
        raise ActivityError("您在该时段已有其他班次", status=409)
    if slot.day is not None:
        if not RosterSlot.objects.filter(pk=slot.pk, taken__lt=F("capacity")).update(
            taken=F("taken") + 1
        ):
            raise ActivityError("该班次已满", status=409)
    else:
        # a weekly occurrence: its holders are counted under the slot's row lock, so two
        # volunteers taking the last place queue and the second finds it full
        locked = RosterSlot.objects.select_for_update().get(pk=slot.pk)
        held = Shift.objects.filter(slot=slot, on=on, released_at__isnull=True).count()
        if held >= locked.capacity:
            raise ActivityError("该班次已满", status=409)
    try:
        with transaction.atomic():
            return Shift.objects.create(slot=slot, volunteer=volunteer, on=on)
    except IntegrityError:
        raise ActivityError("您已认领该班次", status=409) from None


@transaction.atomic
def shift_take(
    slot: RosterSlot, volunteer: Volunteer, *, on: dt.date | None = None, actor: User | None = None
) -> Shift:
    """Take a slot (a weekly one: its occurrence `on`), within the occurrence's capacity."""
    shift = _take(slot, volunteer, on)
    audit_record(
        "activity.shift_taken", user=actor, obj=shift, detail={"slot": slot.pk, "on": shift.on}
    )
    return shift


def _release(shift: Shift) -> None:
    shift.released_at = timezone.now()
    shift.save(update_fields=["released_at"])
    RosterSlot.objects.filter(pk=shift.slot_id, day__isnull=False, taken__gt=0).update(
        taken=F("taken") - 1
    )


@transaction.atomic
def shift_release(shift: Shift, *, actor: User | None = None) -> Shift:
    shift = Shift.objects.select_for_update().select_related("slot").get(pk=shift.pk)
    if shift.released_at is not None:
        return shift
    if shift.on < timezone.localdate():
        raise ActivityError("已过去的班次不能释放", status=409)
    _release(shift)
    audit_record("activity.shift_released", user=actor, obj=shift)
    return shift


@transaction.atomic
def shift_swap(
    shift: Shift, to_slot: RosterSlot, *, on: dt.date | None = None, actor: User | None = None
) -> Shift:
    """Move a shift to another slot (or occurrence) of the same roster: both or neither."""
    shift = Shift.objects.select_for_update().select_related("slot", "volunteer").get(pk=shift.pk)
    if shift.released_at is not None:
        raise ActivityError("该班次已释放", status=409)
    if to_slot.roster_id != shift.slot.roster_id:
        raise ActivityError("只能换到同一排班表的班次", "slot")
    _release(shift)
    new = _take(to_slot, shift.volunteer, on)
    audit_record(
        "activity.shift_swapped",
        user=actor,
        obj=new,
        detail={"from": shift.slot_id, "to": to_slot.pk, "on": new.on},
    )
    return new


def shifts_remind(today: dt.date | None = None) -> int:
    """Tell each volunteer holding a shift tomorrow (once per shift; the hourly task calls it)."""
    tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
    due = Shift.objects.filter(
        released_at__isnull=True, reminded_at__isnull=True, on=tomorrow
    ).select_related("slot__roster", "volunteer__user")
    sent = 0
    for shift in due:
        with transaction.atomic():
            if not Shift.objects.filter(pk=shift.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                continue  # another worker sent it
            user = shift.volunteer.user
            if user is not None:
                slot = shift.slot
                notify(
                    [user],
                    f"明天值班提醒：{slot.roster.name} {slot.post}",
                    f"{shift.on:%m月%d日} {slot.starts:%H:%M}–{slot.ends:%H:%M}",
                    link=f"/activities/rosters/{slot.roster_id}/?week={shift.on:%Y-%m-%d}",
                    kind="activities.reminder",
                )
                sent += 1
    return sent
