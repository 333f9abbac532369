"""Replied needs left unrated are closed by needs_tick after the street's working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs.models import CalendarDay, NeedEvent, NeedSummary, Status, StreetSettings

TZ = timezone.get_current_timezone()


def moment(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=TZ)


def replied_on(world: Any, personas: Any, submit: Any, when: dt.datetime) -> Any:
    with time_machine.travel(when):
        need = submit()
        S.need_dispatch(
            need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
        return S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已答复")


def set_days(street: Any, days: int) -> None:
    StreetSettings.objects.filter(street=street).update(autoclose_after_workdays=days)


def test_closes_after_working_days_skipping_weekend_and_holiday(
    world: Any, personas: Any, submit: Any, tree: Any
) -> None:
    set_days(tree.street_a, 3)
    CalendarDay.objects.create(date=dt.date(2025, 3, 31), is_workday=False, note="测试假日")
    need = replied_on(world, personas, submit, moment(3, 27))  # Thursday
    # 3 working days after Thu 03-27: Fri 28, (weekend, holiday Mon 31) Tue 01, Wed 02
    for day in (dt.date(2025, 3, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 2)):
        with time_machine.travel(dt.datetime.combine(day, dt.time(23, 0), tzinfo=TZ)):
            assert S.needs_tick()["closed"] == 0
    need.refresh_from_db()
    assert need.status == Status.REPLIED
    with time_machine.travel(moment(4, 3, 0)):
        assert S.needs_tick()["closed"] == 1
        assert S.needs_tick()["closed"] == 0  # idempotent
    need.refresh_from_db()
    assert need.status == Status.CLOSED and need.rating == ""
    event = NeedEvent.objects.get(need=need, action="close")
    assert event.actor is None and "自动办结" in event.note
    assert NeedSummary.objects.get(need=need).status == Status.CLOSED


def test_rated_needs_and_zero_setting_are_left_alone(
    world: Any, personas: Any, submit: Any, tree: Any
) -> None:
    set_days(tree.street_a, 2)
    rated = replied_on(world, personas, submit, moment(3, 3))
    S.need_rate_by_code(rated.tracking_code, rating="satisfied")
    unrated = replied_on(world, personas, submit, moment(3, 3))
    set_days(tree.street_a, 0)
    with time_machine.travel(moment(3, 20)):
        assert S.needs_tick()["closed"] == 0
    unrated.refresh_from_db()
    assert unrated.status == Status.REPLIED
    set_days(tree.street_a, 2)
    with time_machine.travel(moment(3, 20)):
        assert S.needs_tick()["closed"] == 1
    rated.refresh_from_db()
    unrated.refresh_from_db()
    assert (rated.status, unrated.status) == (Status.RATED, Status.CLOSED)


def test_setting_saved_through_config_page(personas: Any, client_for: Any, tree: Any) -> None:
    from lianjian.needs.demo import build_needs_demo

    demo = build_needs_demo(tree.street_a)
    c = client_for(personas.street_staff)
    base = {
        "what": "settings",
        "street": tree.street_a.pk,
        "set-fallback_department": demo.departments["service"].pk,
        "set-default_deadline_workdays": 5,
        "set-remind_before_workdays": 1,
        "set-escalate_after_workdays": 0,
    }
    c.post("/needs/config/", {**base, "set-autoclose_after_workdays": 7})
    assert StreetSettings.objects.get(street=tree.street_a).autoclose_after_workdays == 7
    c.post("/needs/config/", {**base, "set-autoclose_after_workdays": 99})  # out of range
    assert StreetSettings.objects.get(street=tree.street_a).autoclose_after_workdays == 7
