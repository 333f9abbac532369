"""Working days: Monday–Friday, corrected by the official calendar and local days.

Holidays on weekdays are days off; 调休 make-up weekend days are working days.
A need counts on the national schedule plus its district's and its street's own
days (a street's day beats its district's, which beats the national one).
Deadlines fall at the end (23:59:59 local) of a working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lianjian.needs.models import CalendarDay, CalendarSource

# how far ahead one lookup of exceptions reaches; deadlines are weeks, not years
_HORIZON_DAYS = 400
LEVEL_RANK: dict[str, int] = {
    CalendarSource.NATIONAL: 0,
    CalendarSource.DISTRICT: 1,
    CalendarSource.STREET: 2,
}


@dataclass(frozen=True)
class Place:
    """Whose calendar to count on: the national one plus a district's and a street's days."""

    district_id: int | None = None
    street_id: int | None = None

    @classmethod
    def of(cls, row: Any) -> Place:
        """The place of a row carrying ancestor ids (a need, a summary)."""
        return cls(getattr(row, "district_id", None), getattr(row, "street_id", None))

    def region_ids(self) -> list[int]:
        return [pk for pk in (self.district_id, self.street_id) if pk]


NATIONAL = Place()


def exceptions(start: dt.date, end: dt.date, place: Place = NATIONAL) -> dict[dt.date, bool]:
    """Dates in [start, end] that differ from the default week at `place` → is it a workday."""
    q = Q(region__isnull=True)
    if place.region_ids():
        q |= Q(region_id__in=place.region_ids())
    rows = CalendarDay.objects.filter(q, date__gte=start, date__lte=end).values_list(
        "date", "is_workday", "source"
    )
    ranked: dict[dt.date, tuple[int, bool]] = {}
    for day, is_workday, source in rows:
        rank = LEVEL_RANK.get(source, 0)
        if day not in ranked or rank > ranked[day][0]:
            ranked[day] = (rank, is_workday)
    return {day: workday for day, (_rank, workday) in ranked.items()}


def _is_workday(day: dt.date, exc: dict[dt.date, bool]) -> bool:
    if day in exc:
        return exc[day]
    return day.weekday() < 5


def is_workday(day: dt.date, place: Place = NATIONAL) -> bool:
    return _is_workday(day, exceptions(day, day, place))


def add_workdays(start: dt.date, count: int, place: Place = NATIONAL) -> dt.date:
    """The `count`-th working day after `start` (start itself not counted)."""
    exc = exceptions(start, start + dt.timedelta(days=_HORIZON_DAYS), place)
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if _is_workday(day, exc):
            remaining -= 1
    return day


def subtract_workdays(day: dt.date, count: int, place: Place = NATIONAL) -> dt.date:
    """The `count`-th working day before `day` (day itself not counted)."""
    # the longest official break is nine days; a street's own closure may add some
    exc = exceptions(day - dt.timedelta(days=14 * count + 60), day, place)
    remaining = count
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if _is_workday(day, exc):
            remaining -= 1
    return day


def previous_workday(day: dt.date, place: Place = NATIONAL) -> dt.date:
    return subtract_workdays(day, 1, place)


def workdays_between(start: dt.date, end: dt.date, place: Place = NATIONAL) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    exc = exceptions(start, end, place)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if _is_workday(start + dt.timedelta(days=n), exc)
    )


def end_of_day(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deadline_after(moment: dt.datetime, workdays: int, place: Place = NATIONAL) -> dt.datetime:
    """End of the `workdays`-th working day after the day of `moment`."""
    return end_of_day(add_workdays(local_date(moment), max(workdays, 1), place))


def workdays_in(days: Iterable[dt.date], place: Place = NATIONAL) -> list[dt.date]:
    days = sorted(days)
    if not days:
        return []
    exc = exceptions(days[0], days[-1], place)
    return [d for d in days if _is_workday(d, exc)]
