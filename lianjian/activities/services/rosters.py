"""Duty rosters (排班表): slots of posts by day and time, taken within capacity, swapped or
released, and a reminder the day before.

Taking a slot is a conditional update of its counter (`taken < capacity`),
backed by the check constraint `act_slot_capacity`; a swap moves a shift to
another slot in one transaction, so the volunteer never holds neither or both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianjian.activities.models import Roster, RosterSlot, Shift, Team, Volunteer
from lianjian.activities.services.common import ActivityError, located, text
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify
from lianjian.orgs.models import Region

MAX_SLOTS = 2000


@transaction.atomic
def roster_create(
    *,
    actor: Any,
    name: str,
    region: Region,
    posts: Iterable[str],
    days: Iterable[dt.date],
    times: Iterable[tuple[dt.time, dt.time]],
    capacity: int = 1,
    team: Team | None = None,
    description: str = "",
) -> Roster:
    """A roster with one slot per post x day x time range (dated; a weekly roster is its weeks)."""
    posts = [text(p, "岗位", "posts", 100) for p in posts]
    days, times = list(days), list(times)
    if not posts or not days or not times:
        raise ActivityError("请至少填写一个岗位、一个日期和一个时段", "posts")
    if len(posts) * len(days) * len(times) > MAX_SLOTS:
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
    RosterSlot.objects.bulk_create(
        [
            RosterSlot(roster=roster, post=p, day=d, starts=s, ends=e, capacity=capacity)
            for d in days
            for s, e in times
            for p in posts
        ]
    )
    audit_record("activity.roster_created", user=actor, obj=roster)
    return roster


def _take(slot: RosterSlot, volunteer: Volunteer) -> Shift:
    if not slot.roster.is_open:
        raise ActivityError("该排班表已停止认领", status=409)
    if volunteer.withdrawn_at is not None:
        raise ActivityError("您已撤回参加志愿服务的同意", "volunteer", 409)
    if slot.day < timezone.localdate():
        raise ActivityError("不能认领已过去的班次", status=409)
    if Shift.objects.filter(slot=slot, volunteer=volunteer, released_at__isnull=True).exists():
        raise ActivityError("您已认领该班次", status=409)
    clash = Shift.objects.filter(
        volunteer=volunteer,
        released_at__isnull=True,
        slot__day=slot.day,
        slot__starts__lt=slot.ends,
        slot__ends__gt=slot.starts,
    ).exclude(slot=slot)
    if clash.exists():
        raise ActivityError("您在该时段已有其他班次", status=409)
    if not RosterSlot.objects.filter(pk=slot.pk, taken__lt=F("capacity")).update(
        taken=F("taken") + 1
    ):
        raise ActivityError("该班次已满", status=409)
    try:
        with transaction.atomic():
            return Shift.objects.create(slot=slot, volunteer=volunteer)
    except IntegrityError:
        raise ActivityError("您已认领该班次", status=409) from None


@transaction.atomic
def shift_take(slot: RosterSlot, volunteer: Volunteer, *, actor: Any = None) -> Shift:
    shift = _take(slot, volunteer)
    audit_record("activity.shift_taken", user=actor, obj=shift, detail={"slot": slot.pk})
    return shift


def _release(shift: Shift) -> None:
    shift.released_at = timezone.now()
    shift.save(update_fields=["released_at"])
    RosterSlot.objects.filter(pk=shift.slot_id, taken__gt=0).update(taken=F("taken") - 1)


@transaction.atomic
def shift_release(shift: Shift, *, actor: Any = None) -> Shift:
    shift = Shift.objects.select_for_update().select_related("slot").get(pk=shift.pk)
    if shift.released_at is not None:
        return shift
    if shift.slot.day < timezone.localdate():
        raise ActivityError("已过去的班次不能释放", status=409)
    _release(shift)
    audit_record("activity.shift_released", user=actor, obj=shift)
    return shift


@transaction.atomic
def shift_swap(shift: Shift, to_slot: RosterSlot, *, actor: Any = None) -> Shift:
    """Move a shift to another slot of the same roster: both or neither."""
    shift = Shift.objects.select_for_update().select_related("slot", "volunteer").get(pk=shift.pk)
    if shift.released_at is not None:
        raise ActivityError("该班次已释放", status=409)
    if to_slot.roster_id != shift.slot.roster_id:
        raise ActivityError("只能换到同一排班表的班次", "slot")
    _release(shift)
    new = _take(to_slot, shift.volunteer)
    audit_record(
        "activity.shift_swapped",
        user=actor,
        obj=new,
        detail={"from": shift.slot_id, "to": to_slot.pk},
    )
    return new


def shifts_remind(today: dt.date | None = None) -> int:
    """Tell each volunteer holding a shift tomorrow (once per shift; the hourly task calls it)."""
    tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
    due = Shift.objects.filter(
        released_at__isnull=True, reminded_at__isnull=True, slot__day=tomorrow
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
                    f"{slot.day:%m月%d日} {slot.starts:%H:%M}–{slot.ends:%H:%M}",
                    link=f"/activities/rosters/{slot.roster_id}/",
                    kind="activities.reminder",
                )
                sent += 1
    return sent
