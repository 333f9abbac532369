"""Cadence periods: which quarter (month, half-year, year) a day falls in, and what follows.

A body's meeting counts for one period (`Meeting.period_start`). For each
period that has begun, the body's compliance is: held on time (a meeting
held inside the period), late (held for the period, but after it ended),
missed (the period ended with none held), or due (the period is running and
nothing held yet; a warning goes out `WARN_DAYS` before it ends).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import models

from lianjian.alliances.models.alliances import CADENCE_MONTHS, Cadence

# days before a period's end when the staff of a body that has not met are warned
WARN_DAYS = 15


class Compliance(models.TextChoices):
    ON_TIME = "on_time", "按时召开"
    LATE = "late", "延期召开"
    MISSED = "missed", "未召开"
    DUE = "due", "本期待召开"


def _months(cadence: str) -> int:
    return CADENCE_MONTHS[Cadence(cadence)]


def period_start(day: dt.date, cadence: str = Cadence.QUARTERLY) -> dt.date:
    months = _months(cadence)
    month = ((day.month - 1) // months) * months + 1
    return dt.date(day.year, month, 1)


def next_period(start: dt.date, cadence: str = Cadence.QUARTERLY) -> dt.date:
    index = start.year * 12 + start.month - 1 + _months(cadence)
    return dt.date(index // 12, index % 12 + 1, 1)


def period_end(start: dt.date, cadence: str = Cadence.QUARTERLY) -> dt.date:
    """The last day of the period beginning on `start`."""
    return next_period(start, cadence) - dt.timedelta(days=1)


def periods(first: dt.date, last: dt.date, cadence: str = Cadence.QUARTERLY) -> Iterator[dt.date]:
    """Start days of every period from the one holding `first` to the one holding `last`."""
    start = period_start(first, cadence)
    while start <= last:
        yield start
        start = next_period(start, cadence)


def period_label(start: dt.date, cadence: str = Cadence.QUARTERLY) -> str:
    if cadence == Cadence.QUARTERLY:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if cadence == Cadence.MONTHLY:
        return f"{start.year}年{start.month}月"
    if cadence == Cadence.HALF_YEARLY:
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    return f"{start.year}年"


def compliance(
    start: dt.date, held_on: dt.date | None, today: dt.date, cadence: str = Cadence.QUARTERLY
) -> Compliance:
    """The state of one period given the first day a meeting for it was held (or None)."""
    end = period_end(start, cadence)
    if held_on is not None:
        return Compliance.ON_TIME if held_on <= end else Compliance.LATE
    return Compliance.MISSED if today > end else Compliance.DUE


def needs_warning(start: dt.date, today: dt.date, cadence: str = Cadence.QUARTERLY) -> bool:
    """True in the last `WARN_DAYS` days of a running period."""
    end = period_end(start, cadence)
    return start <= today <= end and (end - today).days < WARN_DAYS
