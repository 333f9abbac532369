"""Duty rosters: take within capacity, no double booking of a person, swap, release, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
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
