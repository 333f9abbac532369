"""Dates and reporting periods read from a query string, a form or an API call.

One parser for every report: a day is `YYYY-MM-DD`; an empty value means the
report's default; a malformed one raises ValueError with a Chinese message
naming the field, which pages show beside the default period and the API
answers with 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone


def parse_day(value: Any, label: str = "日期") -> dt.date | None:
    """`YYYY-MM-DD` (or a date), None when empty; ValueError in Chinese when malformed."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{label}格式应为 YYYY-MM-DD") from None


def year_start(today: dt.date) -> dt.date:
    return today.replace(month=1, day=1)


def month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


def parse_period(
    params: Mapping[str, Any],
    *,
    default_start: Callable[[dt.date], dt.date] = year_start,
    today: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """The period [`start`, `end`] of `params`, both days included.

    An empty end is today (the local date); an empty start is `default_start(today)`.
    ValueError (Chinese) for a malformed day or a start after the end.
    """
    today = today or timezone.localdate()
    start = parse_day(params.get("start"), "开始日期") or default_start(today)
    end = parse_day(params.get("end"), "结束日期") or today
    if start > end:
        raise ValueError("开始日期不能晚于结束日期")
    return start, end


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments a period of days spans in the current time zone, the end capped at now."""
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    last = dt.datetime.combine(end, dt.time.max, tzinfo=tz)
    return first, min(last, timezone.now())
