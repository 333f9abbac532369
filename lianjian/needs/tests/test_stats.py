"""Statistics recomputed from the event history as of any date, scoped per persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs.selectors import need_stats, need_totals

TZ = timezone.get_current_timezone()


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=TZ)


def row(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return next(r for r in rows if r["label"] == label)


def test_history_as_of_dates(world: Any, personas: Any, submit: Any) -> None:
    with time_machine.travel(at(3)):  # Monday
        late = submit()
        S.need_dispatch(
            late.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )  # due Monday 03-10
        quick = submit(text="想了解社区体检安排", channel="window")
        S.need_dispatch(
            quick.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
    with time_machine.travel(at(4)):
        S.need_reply(quick.pk, actor=personas.dept_handler, reply_text="周五体检")
        S.need_rate_by_code(quick.tracking_code, rating="unsatisfied")  # reopens once
    with time_machine.travel(at(12)):  # two days late
        S.need_reply(late.pk, actor=personas.dept_handler, reply_text="已处理")
        S.need_rate_by_code(late.tracking_code, rating="satisfied")
    staff = personas.street_staff

    def civil(as_of: dt.datetime) -> dict[str, Any]:
        return row(need_stats(staff, dimension="department", start=at(1), as_of=as_of), "民政办")

    before = civil(at(7))
    assert (before["received"], before["replied"], before["overdue"]) == (2, 1, 0)
    assert before["reopened"] == 1 and before["satisfaction_rate"] == 0.0
    during = civil(at(11))  # after the 03-10 deadline, before the late reply
    assert during["overdue"] == 1 and during["on_time_rate"] == 100.0
    after = civil(at(13))
    # the late one is answered; the reopened one (due 03-11) now runs late
    assert after["overdue"] == 1 and after["replied"] == 2 and after["on_time"] == 1
    assert after["on_time_rate"] == 50.0 and after["satisfaction_rate"] == 50.0
    assert after["reopen_rate"] == 50.0 and after["avg_reply_hours"] is not None
    # the same figures read today, because they come from history
    with time_machine.travel(at(28)):
        assert civil(at(13)) == after
    by_channel = need_stats(staff, dimension="channel", start=at(1), as_of=at(13))
    assert (
        row(by_channel, "热线")["received"] == 1
        and row(by_channel, "民意征求窗口")["received"] == 1
    )
    assert need_totals(by_channel)["received"] == 2


def test_stats_are_scoped(world: Any, personas: Any, submit: Any, tree: Any) -> None:
    submit()
    submit(region=tree.community_a2, text="虹仙小区停车难")
    a1 = need_totals(need_stats(personas.secretary_a1, dimension="community"))
    a2 = need_stats(personas.secretary_a2, dimension="community")
    assert a1["received"] == 1
    assert [r["label"] for r in a2] == ["虹仙居民区"]
    assert need_stats(personas.member, dimension="community") == []
    # the handler sees only its department: nothing dispatched to it yet
    assert need_totals(need_stats(personas.dept_handler, dimension="department"))["received"] == 0
