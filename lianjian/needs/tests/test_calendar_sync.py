"""The official schedule ships with the platform and its sync never overwrites a local edit."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from lianjian.core.models import AuditEvent
from lianjian.needs import workdays
from lianjian.needs.calendar.services import calendar_day_set, calendar_sync
from lianjian.needs.models import CalendarDay, CalendarSource

D = dt.date


def _national(day: dt.date) -> CalendarDay:
    return CalendarDay.objects.get(region__isnull=True, date=day)


@pytest.mark.django_db
def test_migrate_loads_the_state_councils_schedule() -> None:
    # the issue counted 75 days of 2024–2026 that differ from Mon–Fri
    assert CalendarDay.objects.filter(date__year__in=[2024, 2025, 2026]).count() == 75
    assert _national(D(2025, 10, 8)).is_workday is False  # Wednesday in 国庆
    assert _national(D(2025, 10, 11)).is_workday is True  # Saturday 调休
    assert _national(D(2025, 10, 8)).note == "国庆节"
    assert "调休上班" in _national(D(2025, 10, 11)).note
    assert not CalendarDay.objects.filter(date=D(2025, 10, 4)).exists()  # a Saturday off anyway
    assert not workdays.is_workday(D(2024, 2, 16))  # 春节 2024
    assert workdays.is_workday(D(2024, 2, 18))  # Sunday worked


@pytest.mark.django_db
def test_sync_restores_its_own_rows_and_keeps_every_local_edit(tree: Any) -> None:
    # a package-owned row drifted, another went missing, a stray one appeared
    CalendarDay.objects.filter(region__isnull=True, date=D(2025, 10, 8)).update(
        is_workday=True, note="旧数据"
    )
    CalendarDay.objects.filter(region__isnull=True, date=D(2025, 10, 1)).delete()
    CalendarDay.objects.create(date=D(2025, 3, 5), is_workday=False, note="无来源")
    # local edits at every level, two of them on official days
    calendar_day_set(D(2025, 10, 11), is_workday=False, note="本区不调休", region=tree.district)
    calendar_day_set(D(2025, 10, 8), is_workday=True, note="街道值班", region=tree.street_a)
    calendar_day_set(D(2026, 10, 1), is_workday=True, note="部署级修改")  # deployment-wide edit
    local_before = list(CalendarDay.objects.filter(edited_at__isnull=False).order_by("pk").values())
    assert len(local_before) == 3

    result = calendar_sync(audit=True)

    assert (result.added, result.updated, result.removed, result.kept) == (1, 1, 1, 1)
    assert list(CalendarDay.objects.filter(edited_at__isnull=False).order_by("pk").values()) == (
        local_before
    )
    assert _national(D(2025, 10, 8)).is_workday is False
    assert _national(D(2025, 10, 1)).note == "国庆节"
    assert not CalendarDay.objects.filter(date=D(2025, 3, 5)).exists()
    # the local edits still decide where they apply
    district = workdays.Place(tree.district.pk)
    street = workdays.Place(tree.district.pk, tree.street_a.pk)
    assert not workdays.is_workday(D(2025, 10, 11), district)
    assert workdays.is_workday(D(2025, 10, 11))  # nationally still the 调休 Saturday
    assert workdays.is_workday(D(2025, 10, 8), street)
    assert not workdays.is_workday(D(2025, 10, 8), district)
    assert workdays.is_workday(D(2026, 10, 1))
    assert AuditEvent.objects.filter(action="needs.calendar_sync").count() == 1
    # a second run has nothing to do
    again = calendar_sync()
    assert (again.added, again.updated, again.removed, again.kept) == (0, 0, 0, 1)


@pytest.mark.django_db
def test_resetting_a_deployment_wide_edit_restores_the_official_day() -> None:
    calendar_day_set(D(2025, 10, 8), is_workday=True, note="误改")
    assert workdays.is_workday(D(2025, 10, 8))
    calendar_day_set(D(2025, 10, 8), is_workday=None)
    row = _national(D(2025, 10, 8))
    assert (row.is_workday, row.note, row.edited_at) == (False, "国庆节", None)


@pytest.mark.django_db
def test_sync_command_reports_and_warns_about_missing_years() -> None:
    import time_machine

    out = StringIO()
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0)):
        call_command("calendar", "sync", stdout=out)
    text = out.getvalue()
    assert "新增 0 天" in text and "2004–2026" in text
    assert "2027 年的国家安排尚未载入" in text


@pytest.mark.django_db
def test_migration_moves_old_single_calendar_days_to_each_district(tree: Any) -> None:
    """Days typed into the old deployment-wide calendar become the district's own edits."""
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create

    other = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    CalendarDay.objects.all().delete()
    CalendarDay.objects.create(date=D(2025, 3, 14), is_workday=False, note="区里放假")
    CalendarDay.objects.create(date=D(2025, 3, 15), is_workday=True, note="补班")
    migration = importlib.import_module("lianjian.needs.migrations.0008_calendar_day_sources")
    apps = MigrationLoader(connection).project_state(("needs", "0008_calendar_day_sources")).apps
    migration.legacy_days_to_districts(apps, SimpleNamespace(connection=connection))
    calendar_sync()

    moved = CalendarDay.objects.exclude(region__isnull=True)
    assert sorted(moved.values_list("region_id", "date", "source", "note")) == sorted(
        (district.pk, day, CalendarSource.DISTRICT, note)
        for district in (tree.district, other)
        for day, note in ((D(2025, 3, 14), "区里放假"), (D(2025, 3, 15), "补班"))
    )
    assert all(row.edited_at is not None for row in moved)
    assert not CalendarDay.objects.filter(region__isnull=True, date=D(2025, 3, 14)).exists()
    place = workdays.Place(tree.district.pk, tree.street_a.pk)
    assert not workdays.is_workday(D(2025, 3, 14), place)
    assert workdays.is_workday(D(2025, 3, 15), place)
