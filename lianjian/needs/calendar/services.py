"""Writes to the working-day calendar: the official sync and local days.

National rows come from the installed `chinesecalendar` package (no network);
`sync_national` is the one place they are written, at every migrate and by
`lianjian calendar sync`. It only rewrites rows it wrote itself (no `edited_at`):
a day someone edited, at any level, is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.needs.models import CalendarDay, CalendarSource
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

NOTE_MAX = CalendarDay._meta.get_field("note").max_length or 50


class CalendarError(ValueError):
    """A calendar write refused as a whole; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DayEntry:
    """One day to record: a day off, a workday, or `is_workday=None` for the level above."""

    date: dt.date
    is_workday: bool | None
    note: str = ""


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # national days edited here, left as they are
    years: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


# ---------------------------------------------------------------- the official schedule


def package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        return ""


def national_schedule() -> dict[dt.date, tuple[bool, str]]:
    """The State Council's days that differ from Mon–Fri: weekday holidays and 调休 weekends."""
    import chinese_calendar

    def chinese(name: str) -> str:
        try:
            return str(chinese_calendar.Holiday(name).chinese)
        except ValueError:
            return name

    schedule: dict[dt.date, tuple[bool, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            schedule[day] = (False, chinese(name)[:NOTE_MAX])
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            schedule[day] = (True, f"{chinese(name)}调休上班"[:NOTE_MAX])
    return schedule


def sync_national(model: Any = CalendarDay, using: str = "default") -> SyncResult:
    """Make the national rows the sync owns equal the package's schedule.

    `model` may be a migration state's historical model (the post_migrate step).
    """
    schedule = national_schedule()
    result = SyncResult(years=sorted({day.year for day in schedule}))
    rows = model.objects.using(using)
    to_update = []
    removed = []
    seen: set[dt.date] = set()
    for row in rows.filter(region__isnull=True):
        seen.add(row.date)
        if row.edited_at is not None:
            result.kept += 1
            continue
        official = schedule.get(row.date)
        if official is None:
            removed.append(row.pk)
        elif (row.is_workday, row.note) != official:
            row.is_workday, row.note = official
            to_update.append(row)
    if removed:
        rows.filter(pk__in=removed).delete()
    if to_update:
        rows.bulk_update(to_update, ["is_workday", "note"])
    new = [
        model(date=day, is_workday=workday, note=note, source=CalendarSource.NATIONAL)
        for day, (workday, note) in sorted(schedule.items())
        if day not in seen
    ]
    rows.bulk_create(new, batch_size=500)
    result.added, result.updated, result.removed = len(new), len(to_update), len(removed)
    return result


@transaction.atomic
def calendar_sync(*, audit: bool = False) -> SyncResult:
    """Load the official schedule from the installed package; local edits stay as they are."""
    result = sync_national()
    if audit:
        audit_record(
            "needs.calendar_sync",
            detail={
                "package": f"chinesecalendar {package_version()}",
                "added": result.added,
                "updated": result.updated,
                "removed": result.removed,
                "kept": result.kept,
            },
        )
    return result


# ---------------------------------------------------------------- local days


def source_for(region: Region | None) -> str:
    if region is None:
        return CalendarSource.NATIONAL
    if region.level == Region.Level.DISTRICT:
        return CalendarSource.DISTRICT
    if region.level == Region.Level.STREET:
        return CalendarSource.STREET
    raise CalendarError("只能为区或街道设置工作日历")


@transaction.atomic
def calendar_days_apply(
    region: Region | None,
    entries: Sequence[DayEntry],
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Record `entries` as `region`'s own days (all or nothing); returns how many changed.

    `region=None` edits the deployment-wide row of a date; such an edit is kept
    by the sync like any local one, and resetting it restores the official day.
    """
    source = source_for(region)
    dates = [entry.date for entry in entries]
    if len(set(dates)) != len(dates):
        raise CalendarError("同一日期出现了多次，请删除重复行")
    level = (
        CalendarDay.objects.filter(region=region)
        if region
        else CalendarDay.objects.filter(region__isnull=True)
    )
    existing = {row.date: row for row in level.select_for_update().filter(date__in=dates)}
    official = national_schedule() if region is None else {}
    now = timezone.now()
    editor = actor if getattr(actor, "is_authenticated", False) else None
    create, update, delete = [], [], []
    for entry in entries:
        row = existing.get(entry.date)
        if entry.is_workday is None:
            if row is None:
                continue
            if region is None and entry.date in official:
                row.is_workday, row.note = official[entry.date]
                row.edited_by, row.edited_at = None, None
                update.append(row)
            else:
                delete.append(row.pk)
            continue
        note = entry.note.strip()[:NOTE_MAX]
        if row is None:
            row = CalendarDay(date=entry.date, region=region, source=source)
            create.append(row)
        elif (row.is_workday, row.note) == (entry.is_workday, note):
            continue
        else:
            update.append(row)
        row.is_workday, row.note = entry.is_workday, note
        row.edited_by, row.edited_at = editor, now
    try:
        with transaction.atomic():
            if delete:
                CalendarDay.objects.filter(pk__in=delete).delete()
            if update:
                CalendarDay.objects.bulk_update(
                    update, ["is_workday", "note", "edited_by", "edited_at"]
                )
            CalendarDay.objects.bulk_create(create)
    except IntegrityError as exc:  # someone saved the same date a moment ago
        raise CalendarError("其他人刚刚修改了同一日期，请刷新后重试") from exc
    changed = len(create) + len(update) + len(delete)
    if changed:
        audit_record(
            "needs.calendar_set",
            user=actor,
            request=request,
            object_type="region",
            object_id=region.pk if region else "",
            scope=f"{source}:{region.pk}" if region else "national",
            detail={
                "count": changed,
                "dates": sorted(d.isoformat() for d in dates)[:20],
            },
        )
    return changed


def calendar_day_set(
    day: dt.date,
    *,
    is_workday: bool | None,
    note: str = "",
    region: Region | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> CalendarDay | None:
    """Mark one holiday or 调休 workday; `is_workday=None` goes back to the level above."""
    calendar_days_apply(region, [DayEntry(day, is_workday, note)], actor=actor, request=request)
    level = (
        CalendarDay.objects.filter(region=region)
        if region
        else CalendarDay.objects.filter(region__isnull=True)
    )
    return level.filter(date=day).first() if is_workday is not None else None
