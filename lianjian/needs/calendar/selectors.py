"""Reads of the working-day calendar: a year's days at a place, official coverage, gaps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from lianjian.core.permissions import user_has_perm
from lianjian.needs.models import CalendarDay, CalendarSource
from lianjian.needs.workdays import LEVEL_RANK, Place
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@dataclass(frozen=True)
class CalendarRow:
    """The day that counts at a place on one date, and where it comes from."""

    date: dt.date
    is_workday: bool
    note: str
    source: str  # CalendarSource value
    region_id: int | None
    region_name: str
    edited_by: str
    edited_at: dt.datetime | None

    @property
    def differs(self) -> bool:
        """Not what Monday–Friday would say."""
        return self.is_workday != (self.date.weekday() < 5)

    @property
    def is_local(self) -> bool:
        return self.source != CalendarSource.NATIONAL


def place_of_region(region: Region | None) -> Place:
    """The calendar a need located in `region` counts on."""
    if region is None:
        return Place()
    ids = region.ancestor_ids()
    return Place(ids["district_id"], ids["street_id"])


def calendar_year(year: int, place: Place, *, keep_region: int | None = None) -> list[CalendarRow]:
    """The days of `year` that differ from Mon–Fri at `place`, the winning level for each.

    Rows of `keep_region` are kept even when they agree with Mon–Fri (a street that
    takes back a national 调休 Saturday), so they can be seen and reset.
    """
    q = Q(region__isnull=True)
    if place.region_ids():
        q |= Q(region_id__in=place.region_ids())
    rows = (
        CalendarDay.objects.filter(q, date__year=year)
        .select_related("region", "edited_by")
        .order_by("date")
    )
    best: dict[dt.date, CalendarDay] = {}
    for row in rows:
        held = best.get(row.date)
        if held is None or LEVEL_RANK.get(row.source, 0) > LEVEL_RANK.get(held.source, 0):
            best[row.date] = row
    out = []
    for row in best.values():
        item = CalendarRow(
            date=row.date,
            is_workday=row.is_workday,
            note=row.note,
            source=row.source,
            region_id=row.region_id,
            region_name=row.region.name if row.region else "",
            edited_by=(row.edited_by.display_name or row.edited_by.username)
            if row.edited_by
            else "",
            edited_at=row.edited_at,
        )
        if item.differs or (keep_region and row.region_id == keep_region):
            out.append(item)
    return out


def official_years(years: list[int] | None = None) -> list[int]:
    """Years whose national schedule is loaded (optionally only among `years`)."""
    qs = CalendarDay.objects.filter(region__isnull=True, edited_at__isnull=True)
    if years is not None:
        qs = qs.filter(date__year__in=years)
    return sorted({day.year for day in qs.dates("date", "year")})


def calendar_gaps(user: User) -> list[int]:
    """This year and next if no official schedule is loaded for them, for calendar admins."""
    if not user_has_perm(user, "needs.calendar"):
        return []
    this_year = timezone.localdate().year
    wanted = [this_year, this_year + 1]
    known = set(official_years(wanted))
    return [year for year in wanted if year not in known]
