"""The month calendar of events, bookings and alliance joint meetings in a user's scope, and the
.ics of a member's sign-ups."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from lianjian.activities import access
from lianjian.activities.models import Booking, Event
from lianjian.alliances import selectors as alliance_selectors
from lianjian.alliances.models import Meeting

if TYPE_CHECKING:
    from lianjian.accounts.models import User

# a day's entry of the calendar: ("event" | "booking" | "meeting", the row)
Entry = tuple[str, Event | Booking | Meeting]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """`YYYY-MM` (default: this month) to its first day and the first day of the next."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except (ValueError, TypeError):
        first = timezone.localdate().replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def month_grid(user: User, first: dt.date, nxt: dt.date) -> list[list[tuple[dt.date, list[Entry]]]]:
    """Weeks (Monday first) of (day, entries) for the month: events, approved bookings and
    the joint meetings of the alliances in the user's scope, each day in time order."""
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(nxt, dt.time.min))
    events = (
        (access.events_managed_by(user) | access.events_open_to(user))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status="draft")
        .distinct()
    )
    bookings = (access.bookings_managed_by(user) | Booking.objects.filter(
        requested_by_id=getattr(user, "pk", None)
    )).filter(Q(status="approved"), starts_at__gte=start, starts_at__lt=end).select_related(
        "venue"
    ).distinct()  # fmt: skip
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for e in events.order_by("starts_at")[:500]:
        by_day[timezone.localdate(e.starts_at)].append(("event", e))
    for b in bookings.order_by("starts_at")[:500]:
        by_day[timezone.localdate(b.starts_at)].append(("booking", b))
    # joint meetings (联席会议) of the alliances in the user's scope, through its selector
    for m in alliance_selectors.meetings_between(user, start, end)[:500]:
        by_day[timezone.localdate(m.scheduled_at)].append(("meeting", m))
    for entries in by_day.values():
        entries.sort(key=lambda kx: _when(kx[1]))
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [
        [(day, by_day.get(day, []) if day.month == first.month else []) for day in week]
        for week in weeks
    ]


def _when(x: Event | Booking | Meeting) -> dt.datetime:
    return x.scheduled_at if isinstance(x, Meeting) else x.starts_at


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> Iterable[str]:
    """RFC 5545: lines of at most 75 octets, continued with a leading space."""
    data = line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        yield data[:cut].decode()
        data = b" " + data[cut:]
    yield data.decode()


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_for(user: User, host: str) -> str:
    """The member's confirmed and waiting sign-ups as an iCalendar file."""
    signups = (
        access.signups_of(user)
        .filter(status__in=["confirmed", "waiting"])
        .select_related("event__region")
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Lianjian//activities//ZH",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:我的活动",
    ]
    now = _stamp(timezone.now())
    for s in signups.order_by("event__starts_at")[:500]:
        e: Event = s.event
        summary = e.title + ("（候补）" if s.status == "waiting" else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:activities-event-{e.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(e.starts_at)}",
            f"DTEND:{_stamp(e.ends_at)}",
            f"SUMMARY:{_escape(summary)}",
            f"LOCATION:{_escape(e.place or e.region.name)}",
            f"STATUS:{'CANCELLED' if e.status == 'cancelled' else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
