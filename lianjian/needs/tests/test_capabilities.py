"""`services.may` / `capabilities`: what a page offers is what the services accept.

Both read `ALLOWED_TRANSITIONS` and the same actor check; the page used to keep
its own copy, which hid dispatch for a reopened need the table allows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from lianjian.needs import services as S
from lianjian.needs.models import Need, Status


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def _reopened(world: Any, personas: Any, submit: Any) -> Need:
    need = submit()
    need = S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    need = S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已安排社工上门")
    need = S.need_rate_by_code(need.tracking_code, rating="unsatisfied", comment="没解决")
    assert need.status == Status.REOPENED
    return need


def test_reopened_need_offers_dispatch_and_the_service_accepts_it(
    world: Any, personas: Any, submit: Any, client_for: Any
) -> None:
    need = _reopened(world, personas, submit)
    assert S.may(personas.street_staff, "dispatch", need)
    page = client_for(personas.street_staff).get(f"/needs/{need.pk}/").content.decode()
    assert "确认派单" in page
    need = S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.sports, department=world.civil
    )
    assert need.status == Status.DISPATCHED


@pytest.mark.parametrize("status", [s for s, _ in Status.choices])
def test_capabilities_follow_the_transition_table(
    world: Any, personas: Any, submit: Any, status: str
) -> None:
    need = S.need_dispatch(
        submit().pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    Need.objects.filter(pk=need.pk).update(status=status)
    need.refresh_from_db()
    allowed = S.ALLOWED_TRANSITIONS[status]
    staff = S.capabilities(personas.street_staff, need)
    handler = S.capabilities(personas.dept_handler, need)
    for action in S.USER_ACTIONS:
        if action == "callback":
            expected = status in S.CALLBACK_STATUSES
            assert staff[action] == expected, action
            assert handler[action] is False  # a handler has no intake or dispatch reach
            continue
        target, _label, kind = S.ACTIONS[action]
        in_table = target in allowed
        assert staff[action] == (in_table and kind != "handler"), (status, action)
        assert handler[action] == (in_table and kind in ("handler", "handler_or_dispatcher")), (
            status,
            action,
        )


def test_out_of_reach_user_may_do_nothing(world: Any, personas: Any, submit: Any) -> None:
    need = submit()
    assert not any(S.capabilities(personas.secretary_a2, need).values())
    assert not any(S.capabilities(personas.dept_handler, need).values())  # not dispatched yet
    with pytest.raises(S.NeedError):
        S.need_dispatch(
            need.pk, actor=personas.secretary_a2, category=world.charity, department=world.civil
        )


def test_page_shows_only_what_may_says(
    world: Any, personas: Any, submit: Any, client_for: Any
) -> None:
    need = S.need_dispatch(
        submit().pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    page = client_for(personas.dept_handler).get(f"/needs/{need.pk}/").content.decode()
    assert f"/needs/{need.pk}/accept/" in page and f"/needs/{need.pk}/reply/" in page
    for absent in ("dispatch", "reject", "merge", "close", "callback"):
        assert f"/needs/{need.pk}/{absent}/" not in page, absent


def test_the_demo_clock_reaches_every_services_module(
    world: Any, personas: Any, submit: Any
) -> None:
    """One patch of `services.clock.now` times intake, workflow and the tally alike."""
    import datetime as dt

    from django.utils import timezone

    from lianjian.needs.demo import needs_clock
    from lianjian.needs.models import NeedEvent, NeedSummary

    moment = timezone.now() - dt.timedelta(days=40)
    with needs_clock(moment):
        need = submit()
        need = S.need_dispatch(
            need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
        S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已处理")
    times = set(NeedEvent.objects.filter(need=need).values_list("at", flat=True))
    assert times == {moment}
    need.refresh_from_db()
    assert need.dispatched_at == moment and need.replied_at == moment
    assert NeedSummary.objects.get(need=need).first_replied_at == moment
