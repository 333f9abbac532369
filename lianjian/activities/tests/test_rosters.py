"""Duty rosters: take within capacity, no double booking of a person, swap, release, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.models import RosterSlot, Shift
from lianjian.activities.services import ActivityError
from lianjian.activities.tests.factories import make_volunteer
from lianjian.core.models import Notification

pytestmark = pytest.mark.django_db


def _roster(tree: Any) -> Any:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return services.roster_create(
        actor=None, name="垃圾分类值守", region=tree.community_b1, posts=["1号厢房", "2号厢房"],
        days=[tomorrow, tomorrow + dt.timedelta(days=1)],
        times=[(dt.time(7), dt.time(9)), (dt.time(18), dt.time(20))], capacity=1,
    )  # fmt: skip


def test_take_swap_release_and_remind(tree: Any, personas: Any, client_for: Any) -> None:
    roster = _roster(tree)
    assert roster.slots.count() == 8
    a, b = make_volunteer(tree.community_b1), make_volunteer(tree.community_b1)
    first, other_post, evening = (
        roster.slots.get(post="1号厢房", starts=dt.time(7), day=roster.slots.first().day),
        roster.slots.get(post="2号厢房", starts=dt.time(7), day=roster.slots.first().day),
        roster.slots.get(post="1号厢房", starts=dt.time(18), day=roster.slots.first().day),
    )
    shift = services.shift_take(first, a)
    with pytest.raises(ActivityError, match="已满"):
        services.shift_take(first, b)
    with pytest.raises(ActivityError, match="已有其他班次"):
        services.shift_take(other_post, a)  # the same hours at another post
    moved = services.shift_swap(shift, evening)
    first.refresh_from_db()
    evening.refresh_from_db()
    assert (first.taken, evening.taken) == (0, 1)
    services.shift_take(first, b)
    services.shift_release(moved)
    evening.refresh_from_db()
    assert evening.taken == 0
    assert services.shifts_remind() == 1  # b's shift tomorrow
    assert services.shifts_remind() == 0  # once
    assert Notification.objects.filter(recipient=b.user, kind="activities.reminder").count() == 1
    assert Shift.objects.filter(released_at__isnull=True).count() == 1
    assert all(s.taken <= s.capacity for s in RosterSlot.objects.all())


def test_roster_page_take_and_print(tree: Any, personas: Any, client_for: Any) -> None:
    roster = _roster(tree)
    # the member lives in 虹储: 机场新村's roster is not theirs to see
    member = client_for(personas.member)
    services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    assert member.get(f"/activities/rosters/{roster.pk}/").status_code == 404
    v = make_volunteer(tree.community_b1)
    assert v.user is not None
    c = client_for(v.user)
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    grant_add(v.user, Role.MEMBER, region=tree.community_b1)
    page = c.get(f"/activities/rosters/{roster.pk}/")
    assert page.status_code == 200 and "1号厢房" in page.content.decode()
    slot = roster.slots.first()
    c.post(f"/activities/rosters/{roster.pk}/", {"action": "take", "slot": slot.pk})
    assert Shift.objects.filter(slot=slot, volunteer=v).exists()
    assert (
        client_for(personas.street_staff).get(f"/activities/rosters/{roster.pk}/").status_code
        == 404
    )
    assert (
        client_for(personas.district_admin).get(f"/activities/rosters/{roster.pk}/").status_code
        == 200
    )


def _weekly(tree: Any, monday: dt.date) -> Any:
    """Mondays and Wednesdays for three weeks, one person per occurrence."""
    return services.roster_create(
        actor=None, name="垃圾分类每周值守", region=tree.community_b1, posts=["1号厢房"],
        weekdays=[0, 2], from_day=monday, until_day=monday + dt.timedelta(days=20),
        times=[(dt.time(7), dt.time(9))], capacity=1,
    )  # fmt: skip


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def test_weekly_slots_occurrences_capacity_and_reminders(tree: Any) -> None:
    monday = _next_monday()
    roster = _weekly(tree, monday)
    assert roster.slots.count() == 2  # one per weekday, not per date
    wed = roster.slots.get(weekday=2)
    assert services.occurrences(wed, monday, monday + dt.timedelta(days=30)) == [
        monday + dt.timedelta(days=2 + 7 * n) for n in range(3)
    ]
    a, b = make_volunteer(tree.community_b1), make_volunteer(tree.community_b1)
    first_wed = monday + dt.timedelta(days=2)
    with pytest.raises(ActivityError, match="排到的日期"):
        services.shift_take(wed, a)  # a weekly slot needs its date
    with pytest.raises(ActivityError, match="排到的日期"):
        services.shift_take(wed, a, on=monday)  # a Monday is no Wednesday
    with pytest.raises(ActivityError, match="排到的日期"):
        services.shift_take(wed, a, on=first_wed + dt.timedelta(weeks=3))  # after until
    shift = services.shift_take(wed, a, on=first_wed)
    assert shift.on == first_wed
    with pytest.raises(ActivityError, match="已满"):
        services.shift_take(wed, b, on=first_wed)
    # the same slot a week later is another occurrence with its own place
    later = services.shift_take(wed, b, on=first_wed + dt.timedelta(weeks=1))
    with pytest.raises(ActivityError, match="已认领"):
        services.shift_take(wed, a, on=first_wed)
    # swapping to the Monday occurrence frees the Wednesday for b
    moved = services.shift_swap(shift, roster.slots.get(weekday=0), on=monday)
    assert moved.on == monday
    services.shift_take(wed, b, on=first_wed)
    wed.refresh_from_db()
    assert wed.taken == 0  # weekly occurrences are counted, not held on the slot
    # reminders the day before each occurrence, once
    with time_machine.travel(dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(10))):
        assert services.shifts_remind() == 1  # a's Monday
    with time_machine.travel(dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(10))):
        assert services.shifts_remind() == 1  # b's first Wednesday
        assert services.shifts_remind() == 0
    note = Notification.objects.get(recipient=b.user, kind="activities.reminder")
    assert f"{first_wed:%m月%d日}" in note.body
    assert later.reminded_at is None
    with pytest.raises(ActivityError, match="起始日期"):
        services.roster_create(
            actor=None, name="x", region=tree.community_b1, posts=["1"], weekdays=[1],
            from_day=monday, until_day=monday - dt.timedelta(days=1),
            times=[(dt.time(7), dt.time(9))],
        )  # fmt: skip
    with pytest.raises(ActivityError, match="一种"):
        services.roster_create(
            actor=None, name="x", region=tree.community_b1, posts=["1"], weekdays=[1],
            days=[monday], from_day=monday, until_day=monday, times=[(dt.time(7), dt.time(9))],
        )  # fmt: skip


def test_weekly_roster_page_week_table_and_api(tree: Any, client_for: Any) -> None:
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    monday = _next_monday()
    roster = _weekly(tree, monday)
    v = make_volunteer(tree.community_b1, name="赵值守")
    assert v.user is not None
    grant_add(v.user, Role.MEMBER, region=tree.community_b1)
    c = client_for(v.user)
    page = c.get(f"/activities/rosters/{roster.pk}/").content.decode()
    # the first week: its two dates, Monday to Sunday
    assert f"{monday:%Y年%m月%d日}" in page and f"{monday:%m-%d}" in page
    wed = roster.slots.get(weekday=2)
    second_wed = monday + dt.timedelta(days=9)
    c.post(
        f"/activities/rosters/{roster.pk}/",
        {"action": "take", "slot": wed.pk, "on": second_wed.isoformat(), "week": "x"},
    )
    assert Shift.objects.get(volunteer=v).on == second_wed
    page = c.get(f"/activities/rosters/{roster.pk}/?week={second_wed:%Y-%m-%d}").content.decode()
    assert "赵值守" in page and f"{second_wed:%m-%d}" in page and "1/1" in page
    assert "赵值守" not in c.get(f"/activities/rosters/{roster.pk}/").content.decode()
    # the API: the slots say weekly; taking one needs its date
    r = c.get(f"/api/v1/activities/rosters/{roster.pk}/slots")
    row = next(s for s in r.json() if s["id"] == wed.pk)
    assert row["day"] is None and row["weekday"] == 2 and row["from_day"] == monday.isoformat()
    url = f"/api/v1/activities/slots/{wed.pk}/take"
    assert c.post(url).status_code == 400
    assert c.post(f"{url}?on=2020-13-01").status_code == 422
    r = c.post(f"{url}?on={monday + dt.timedelta(days=2):%Y-%m-%d}")
    assert r.status_code == 200 and r.json()["on"] == f"{monday + dt.timedelta(days=2):%Y-%m-%d}"
