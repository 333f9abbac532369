"""Working days: Monday–Friday, corrected by the admin-edited calendar.

Holidays on weekdays are days off; 调休 make-up weekend days are working days.
Deadlines fall at the end (23:59:59 local) of a working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from lianjian.needs.models import CalendarDay

# how far ahead one lookup of exceptions reaches; deadlines are weeks, not years
_HORIZON_DAYS = 400


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


def _is_workday(day: dt.date, exceptions: dict[dt.date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    return _is_workday(day, _exceptions(day, day))


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (start itself not counted)."""
    exceptions = _exceptions(start, start + dt.timedelta(days=_HORIZON_DAYS))
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if _is_workday(day, exceptions):
            remaining -= 1
    return day


def previous_workday(day: dt.date) -> dt.date:
    exceptions = _exceptions(day - dt.timedelta(days=60), day)
    day -= dt.timedelta(days=1)
    while not _is_workday(day, exceptions):
        day -= dt.timedelta(days=1)
    return day


def subtract_workdays(day: dt.date, count: int) -> dt.date:
    for _ in range(count):
        day = previous_workday(day)
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if _is_workday(start + dt.timedelta(days=n), exceptions)
    )


def end_of_day(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deadline_after(moment: dt.datetime, workdays: int) -> dt.datetime:
    """End of the `workdays`-th working day after the day of `moment`."""
    return end_of_day(add_workdays(local_date(moment), max(workdays, 1)))


def workdays_in(days: Iterable[dt.date]) -> list[dt.date]:
    days = sorted(days)
    if not days:
        return []
    exceptions = _exceptions(days[0], days[-1])
    return [d for d in days if _is_workday(d, exceptions)]
