"""Deadlines on the official calendar and local days (issue 10, R5).

Every need here goes through the real `need_dispatch` at a travelled time, so the
deadline is the one a dispatcher would see. Expected dates are read off the State
Council's published schedules, not computed from the package.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs.calendar.services import calendar_day_set
from lianjian.needs.models import Category

TZ = timezone.get_current_timezone()
D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


def dispatch_at(
    personas: Any, submit: Any, when: dt.datetime, category: Any, region: Any = None
) -> Any:
    """Submit (in community a1 unless `region`) and dispatch at `when`."""
    with time_machine.travel(when):
        need = submit(region=region) if region is not None else submit()
        return S.need_dispatch(
            need.pk, actor=personas.district_admin, category=category, department=None
        )


def due(need: Any) -> dt.date:
    return timezone.localtime(need.deadline).date()


@pytest.fixture
def street_b_category(world: Any, tree: Any) -> Any:
    """A five-working-day category of 程家桥街道, routed to its own department."""
    category = Category.objects.get(street=tree.street_b, name="慈善关爱")
    return S.category_update(category, department=world.other_street_dept, deadline_workdays=5)


def test_dispatch_before_national_day_skips_the_holiday(
    world: Any, personas: Any, submit: Any
) -> None:
    # 2025: Oct 1–8 off, Saturday Oct 11 a make-up workday
    need = dispatch_at(personas, submit, at(D(2025, 9, 30)), world.charity)
    assert world.charity.deadline_workdays == 5
    assert due(need) == D(2025, 10, 14)


def test_dispatch_before_spring_festival_skips_the_holiday(
    world: Any, personas: Any, submit: Any
) -> None:
    # 2026: Feb 15–23 off, Saturdays Feb 14 and Feb 28 make-up workdays
    need = dispatch_at(personas, submit, at(D(2026, 2, 13), 16), world.charity)
    assert due(need) == D(2026, 2, 27)


def test_make_up_saturday_counts_as_a_working_day(world: Any, personas: Any, submit: Any) -> None:
    # 2026 国庆: Oct 1–7 off; Saturday Oct 10 is worked, so Fri 9 + 5 ends on Thu 15
    need = dispatch_at(personas, submit, at(D(2026, 10, 9)), world.charity)
    assert due(need) == D(2026, 10, 15)


def test_deadline_across_year_end(world: Any, personas: Any, submit: Any) -> None:
    # 2026 元旦: Jan 1–3 off, Sunday Jan 4 worked: Dec 31 + 5 = Jan 4, 5, 6, 7, 8
    need = dispatch_at(personas, submit, at(D(2025, 12, 31), 17), world.charity)
    assert due(need) == D(2026, 1, 8)


def test_street_day_off_counts_only_for_that_streets_needs(
    world: Any, personas: Any, submit: Any, tree: Any, street_b_category: Any
) -> None:
    # 虹桥街道 closes on Wednesday 2025-03-12; 程家桥街道 works as usual
    calendar_day_set(D(2025, 3, 12), is_workday=False, note="街道集中活动", region=tree.street_a)
    monday = at(D(2025, 3, 10))
    own = dispatch_at(personas, submit, monday, world.charity)
    sibling = dispatch_at(personas, submit, monday, street_b_category, tree.community_b1)
    assert (own.street_id, sibling.street_id) == (tree.street_a.pk, tree.street_b.pk)
    assert due(own) == D(2025, 3, 18)
    assert due(sibling) == D(2025, 3, 17)


def test_district_day_counts_for_every_street_unless_a_street_says_otherwise(
    world: Any, personas: Any, submit: Any, tree: Any, street_b_category: Any
) -> None:
    calendar_day_set(D(2025, 3, 12), is_workday=False, note="全区停工", region=tree.district)
    calendar_day_set(D(2025, 3, 12), is_workday=True, note="照常上班", region=tree.street_b)
    monday = at(D(2025, 3, 10))
    assert due(dispatch_at(personas, submit, monday, world.charity)) == D(2025, 3, 18)
    sibling = dispatch_at(personas, submit, monday, street_b_category, tree.community_b1)
    assert due(sibling) == D(2025, 3, 17)


def test_street_extra_workday_moves_the_reminder_of_its_needs_only(
    world: Any, personas: Any, submit: Any, tree: Any, street_b_category: Any
) -> None:
    # 虹桥街道 works Saturday 2025-03-15: Tue 11 + 5 is Wed 12, Thu 13, Fri 14, Sat 15,
    # Mon 17 there, and Tue 18 in 程家桥街道
    calendar_day_set(D(2025, 3, 15), is_workday=True, note="街道加班", region=tree.street_a)
    tuesday = at(D(2025, 3, 11))
    own = dispatch_at(personas, submit, tuesday, world.charity)
    sibling = dispatch_at(personas, submit, tuesday, street_b_category, tree.community_b1)
    assert due(own) == D(2025, 3, 17) and due(sibling) == D(2025, 3, 18)
    # one working day before the deadline: Sat 15 for 虹桥, Mon 17 for 程家桥
    with time_machine.travel(at(D(2025, 3, 15), 9)):
        assert S.needs_tick()["reminded"] == 1
    own.refresh_from_db()
    sibling.refresh_from_db()
    assert own.reminded_at is not None and sibling.reminded_at is None
