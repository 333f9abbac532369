"""Deadlines on the official calendar (issue 10): dispatches counted through the real service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from lianjian.needs import services as S

TZ = timezone.get_current_timezone()


def dispatch_at(world: Any, personas: Any, submit: Any, when: dt.datetime) -> Any:
    """Submit and dispatch at `when` (a 5-working-day category) and return the need."""
    with time_machine.travel(when):
        need = submit()
        return S.need_dispatch(
            need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )


def due_date(need: Any) -> dt.date:
    return timezone.localtime(need.deadline).date()


def test_dispatch_before_national_day_skips_the_holiday(
    world: Any, personas: Any, submit: Any
) -> None:
    # 2025: Oct 1–8 off, Sat Oct 11 a make-up workday (State Council 国办发明电〔2024〕12号)
    need = dispatch_at(world, personas, submit, dt.datetime(2025, 9, 30, 10, 0, tzinfo=TZ))
    assert world.charity.deadline_workdays == 5
    assert due_date(need) == dt.date(2025, 10, 14)


def test_dispatch_before_spring_festival_skips_the_holiday(
    world: Any, personas: Any, submit: Any
) -> None:
    # 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 make-up workdays
    need = dispatch_at(world, personas, submit, dt.datetime(2026, 2, 13, 16, 0, tzinfo=TZ))
    assert due_date(need) == dt.date(2026, 2, 27)
