"""Working-day arithmetic across weekends, holidays and 调休 make-up days (R5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.needs import workdays
from lianjian.needs.models import CalendarDay
from lianjian.needs.services import calendar_day_set

D = dt.date


@pytest.fixture(autouse=True)
def _hand_made_calendar(db: Any) -> None:
    """These tests build their own calendar: start without the official one loaded at migrate."""
    CalendarDay.objects.all().delete()


@pytest.fixture
def national_day(db: Any) -> None:
    # 2025 国庆: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are make-up workdays
    for n in range(1, 9):
        day = D(2025, 10, n)
        if day.weekday() < 5:
            calendar_day_set(day, is_workday=False, note="国庆节")
    calendar_day_set(D(2025, 9, 28), is_workday=True, note="调休上班")
    calendar_day_set(D(2025, 10, 11), is_workday=True, note="调休上班")


@pytest.mark.django_db
def test_plain_weekend_is_skipped() -> None:
    # Friday + 1 working day = Monday
    assert workdays.add_workdays(D(2025, 3, 7), 1) == D(2025, 3, 10)
    assert workdays.add_workdays(D(2025, 3, 8), 1) == D(2025, 3, 10)  # from Saturday
    assert not workdays.is_workday(D(2025, 3, 8))


@pytest.mark.django_db
def test_month_and_year_end() -> None:
    assert workdays.add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 1)
    calendar_day_set(D(2026, 1, 1), is_workday=False, note="元旦")
    calendar_day_set(D(2026, 1, 2), is_workday=False, note="元旦")
    assert workdays.add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 5)
    assert workdays.add_workdays(D(2026, 1, 30), 1) == D(2026, 2, 2)


def test_holidays_and_make_up_days(national_day: None) -> None:
    assert workdays.is_workday(D(2025, 9, 28))  # Sunday, 调休
    assert not workdays.is_workday(D(2025, 10, 3))  # Friday, holiday
    assert workdays.add_workdays(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert workdays.add_workdays(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert workdays.add_workdays(D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert workdays.add_workdays(D(2025, 9, 26), 6) == D(2025, 10, 11)  # Saturday, 调休
    assert workdays.previous_workday(D(2025, 10, 9)) == D(2025, 9, 30)
    assert workdays.workdays_between(D(2025, 9, 26), D(2025, 10, 12)) == 6


def test_deadline_is_end_of_working_day(national_day: None) -> None:
    with time_machine.travel(
        dt.datetime(2025, 9, 26, 16, 30, tzinfo=timezone.get_current_timezone())
    ):
        deadline = workdays.deadline_after(timezone.now(), 5)
    local = timezone.localtime(deadline)
    assert (local.date(), local.hour, local.minute) == (D(2025, 10, 10), 23, 59)


@pytest.mark.django_db
def test_reset_restores_default_week() -> None:
    calendar_day_set(D(2025, 3, 10), is_workday=False, note="测试")
    assert not workdays.is_workday(D(2025, 3, 10))
    calendar_day_set(D(2025, 3, 10), is_workday=None)
    assert workdays.is_workday(D(2025, 3, 10))
