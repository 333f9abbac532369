"""The working-day calendar page: a year's days at a district or street, and its edits.

District admins edit their district and its streets, street staff their own
street; any other region answers 404 and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_perm
from lianjian.needs.calendar import services
from lianjian.needs.calendar.access import (
    EDIT_PERM,
    calendar_regions_editable_by,
    get_calendar_region_for_user,
)
from lianjian.needs.calendar.forms import CalendarBulkForm, CalendarForm, CalendarImportForm
from lianjian.needs.calendar.parsing import RowError, parse_lines, read_calendar_file
from lianjian.needs.calendar.selectors import calendar_year, official_years, place_of_region
from lianjian.orgs.models import Region


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_http_methods(["GET", "POST"])
@require_perm(EDIT_PERM)
def calendar(request: AuthenticatedRequest) -> HttpResponse:
    regions = list(calendar_regions_editable_by(request.user))
    if not regions:
        raise Http404("您没有可维护工作日历的区或街道")
    asked = request.POST.get("region") or request.GET.get("region")
    region = get_calendar_region_for_user(request.user, asked, request) if asked else regions[0]
    year = _int(request.POST.get("year") or request.GET.get("year")) or timezone.localdate().year
    year = min(max(year, 2000), 2100)
    what = request.POST.get("what", "day")
    day_form = CalendarForm(request.POST if request.method == "POST" and what == "day" else None)
    bulk_form = CalendarBulkForm(request.POST if what == "bulk" else None)
    import_form = CalendarImportForm(
        request.POST if what == "import" else None, request.FILES if what == "import" else None
    )
    row_errors: list[RowError] = []
    if request.method == "POST":
        entries = None
        if what == "day" and day_form.is_valid():
            kind = day_form.cleaned_data["kind"]
            entries = [
                services.DayEntry(
                    day_form.cleaned_data["date"],
                    None if kind == "reset" else kind == "workday",
                    day_form.cleaned_data["note"],
                )
            ]
        elif what == "bulk" and bulk_form.is_valid():
            parsed = parse_lines(bulk_form.cleaned_data["lines"])
            entries, row_errors = parsed.entries, parsed.errors
        elif what == "import" and import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            if upload.size > settings.EXCEL_UPLOAD_MAX_BYTES:
                row_errors = [RowError(0, "文件过大，工作日历文件通常只有几十行")]
            else:
                parsed = read_calendar_file(upload.read())
                entries, row_errors = parsed.entries, parsed.errors
        elif what == "reset":
            day = _parse_iso(request.POST.get("date"))
            if day is not None:
                entries = [services.DayEntry(day, None)]
        if entries is not None and not row_errors:
            try:
                changed = services.calendar_days_apply(
                    region, entries, actor=request.user, request=request
                )
            except services.CalendarError as err:
                row_errors = [RowError(0, err.message)]
            else:
                messages.success(request, f"已保存{region.name}的工作日历：{changed} 天有变动")
                first = min(e.date for e in entries)
                return redirect(f"{reverse('needs:calendar')}?region={region.pk}&year={first.year}")
        if row_errors:
            messages.error(request, f"未保存：{len(row_errors)} 处需要修改，见下方说明")
    years = official_years()
    return render(
        request,
        "needs/calendar.html",
        {
            "region": region,
            "regions": regions,
            "year": year,
            "days": calendar_year(year, place_of_region(region), keep_region=region.pk),
            "form": day_form,
            "bulk_form": bulk_form,
            "import_form": import_form,
            "row_errors": row_errors[:200],
            "row_error_count": len(row_errors),
            "official_first": years[0] if years else None,
            "official_last": years[-1] if years else None,
            "official_this_year": year in years,
            "package_version": services.package_version(),
            "is_street": region.level == Region.Level.STREET,
        },
        status=400 if row_errors else 200,
    )


def _parse_iso(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
