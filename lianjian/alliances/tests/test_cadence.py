"""Cadence across month, quarter and year ends (time-machine), compliance and the warning."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from lianjian.alliances import cadence, selectors
from lianjian.alliances.cadence import Compliance
from lianjian.alliances.models import Body
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import tasks as task_services
from lianjian.core.models import Notification

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("day", "cad", "start", "end"),
    [
        (dt.date(2025, 3, 31), "quarterly", dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        (dt.date(2025, 4, 1), "quarterly", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        (dt.date(2025, 12, 31), "quarterly", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        (dt.date(2024, 2, 29), "monthly", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        (dt.date(2025, 7, 1), "half_yearly", dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
        (dt.date(2025, 6, 30), "yearly", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_periods(day: dt.date, cad: str, start: dt.date, end: dt.date) -> None:
    assert cadence.period_start(day, cad) == start
    assert cadence.period_end(start, cad) == end
    assert cadence.next_period(start, cad) == end + dt.timedelta(days=1)


def test_compliance_states_across_year_end() -> None:
    q4 = dt.date(2025, 10, 1)
    assert cadence.compliance(q4, dt.date(2025, 12, 31), dt.date(2026, 1, 5)) == Compliance.ON_TIME
    assert cadence.compliance(q4, dt.date(2026, 1, 2), dt.date(2026, 1, 5)) == Compliance.LATE
    assert cadence.compliance(q4, None, dt.date(2026, 1, 1)) == Compliance.MISSED
    assert cadence.compliance(q4, None, dt.date(2025, 12, 31)) == Compliance.DUE
    assert cadence.needs_warning(q4, dt.date(2025, 12, 17))
    assert not cadence.needs_warning(q4, dt.date(2025, 12, 16))
    assert list(cadence.periods(dt.date(2025, 11, 5), dt.date(2026, 2, 1))) == [
        dt.date(2025, 10, 1),
        dt.date(2026, 1, 1),
    ]


@pytest.mark.django_db
def test_report_late_missed_and_warning_once(tree: Any, personas: Any) -> None:
    with time_machine.travel(dt.datetime(2025, 9, 20, 10, tzinfo=TZ), tick=False):
        body = alliance_services.body_create(
            name="虹储联席会议",
            kind=Body.Kind.COMMUNITY,
            region=tree.community_a1,
            established_on=dt.date(2025, 7, 1),
        )
        assert task_services.cadence_warn() == 1
        assert task_services.cadence_warn() == 0  # once per period
        assert Notification.objects.filter(
            recipient=personas.secretary_a1, kind="alliances.cadence"
        ).exists()
        assert not Notification.objects.filter(recipient=personas.secretary_a2).exists()
    # Q3 held late, in October, for Q3
    with time_machine.travel(dt.datetime(2025, 10, 8, 10, tzinfo=TZ), tick=False):
        m = meeting_services.meeting_schedule(
            body,
            title="三季度会议",
            scheduled_at=dt.datetime(2025, 10, 8, 9, tzinfo=TZ),
            place="居委会",
            period_start=dt.date(2025, 9, 1),
        )
        meeting_services.meeting_hold(m)
    with time_machine.travel(dt.datetime(2026, 1, 3, 10, tzinfo=TZ), tick=False):
        report = selectors.cadence_report(
            personas.street_staff, dt.date(2025, 1, 1), dt.date(2026, 12, 31)
        )
        states = [(label, state) for _, label, state, _ in report.rows[0].cells]
        assert states == [
            ("2025年第3季度", "late"),
            ("2025年第4季度", "missed"),
            ("2026年第1季度", "due"),
        ]
        assert report.by_kind["community"]["missed"] == 1
        assert list(selectors.bodies_not_met(personas.street_staff)) == [body]
        assert selectors.bodies_missed_last_period(personas.street_staff) == 1
        assert not selectors.bodies_not_met(personas.secretary_a2).exists()
        out = io.StringIO()
        call_command("alliances_tick", stdout=out)
        assert "召开提醒 0 个" in out.getvalue()
