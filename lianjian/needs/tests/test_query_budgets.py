"""Query budgets (P6): needs pages cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.needs import services as S

# measured with the fixture world; a page over budget has grown an N+1 or a needless query.
# dispatch: 26 -> 30 when the department became the dispatch's alone (issue 11 finding 11):
# the need's tally moves from "no department" to the department's row (one more update,
# and here, the row's first use, its creation in a savepoint)
# +1 on every page (list 7, intake 7) for the inbox badge's unread count in the header
# (one indexed count, flat in rows); intake_post 28: the submitter's account and SMS
# preference are looked up for the receipt notice; dispatch 31: the dispatch's notification writes
# its delivery row (ADR 0015)
BUDGETS = {"list": 7, "detail": 15, "dispatch": 31, "intake_get": 7, "intake_post": 28}


def _warm(c: Any) -> Any:
    """The first request of a session writes the session's timestamps: not the page's cost."""
    c.get("/needs/")
    return c


def _count(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = fn()
    assert resp.status_code in (200, 302), resp.status_code
    return len(ctx.captured_queries)


def _busy_need(world: Any, personas: Any, submit: Any, n: int) -> Any:
    """A dispatched need with `n` returns and re-dispatches behind it (events, notifications)."""
    need = submit()
    for _ in range(n):
        S.need_dispatch(
            need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
        S.need_return(need.pk, actor=personas.dept_handler, reason="请补充材料")
    return S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )


@pytest.mark.parametrize("who", ["street_staff", "dept_handler", "secretary_a1"])
def test_list_page_budget_flat_in_rows(
    world: Any, personas: Any, submit: Any, client_for: Any, who: str
) -> None:
    c = _warm(client_for(getattr(personas, who)))
    for _ in range(2):
        _busy_need(world, personas, submit, 0)
    few = _count(lambda: c.get("/needs/"))
    for _ in range(12):
        _busy_need(world, personas, submit, 0)
    many = _count(lambda: c.get("/needs/"))
    assert many == few and many <= BUDGETS["list"], (few, many)


def test_detail_page_budget_flat_in_history(
    world: Any, personas: Any, submit: Any, client_for: Any
) -> None:
    c = _warm(client_for(personas.street_staff))
    short = _busy_need(world, personas, submit, 0)
    long = _busy_need(world, personas, submit, 6)
    few = _count(lambda: c.get(f"/needs/{short.pk}/"))
    many = _count(lambda: c.get(f"/needs/{long.pk}/"))
    assert many == few and many <= BUDGETS["detail"], (few, many)


def test_dispatch_budget(world: Any, personas: Any, submit: Any, client_for: Any) -> None:
    c = _warm(client_for(personas.street_staff))
    need = submit()
    payload = {"category": world.charity.pk, "department": world.civil.pk, "version": 1}
    n = _count(lambda: c.post(f"/needs/{need.pk}/dispatch/", payload))
    need.refresh_from_db()
    assert need.status == "dispatched"
    assert n <= BUDGETS["dispatch"], n


def test_intake_budget(world: Any, personas: Any, client_for: Any, tree: Any) -> None:
    c = _warm(client_for(personas.street_staff))
    assert _count(lambda: c.get("/needs/new/")) <= BUDGETS["intake_get"]
    n = _count(
        lambda: c.post(
            "/needs/new/",
            {
                "channel": "hotline",
                "text": "楼道灯坏了需要维修",
                "region": tree.community_a1.pk,
                "submitter_kind": "anonymous",
                "submitter_name": "",
                "contact_phone": "",
            },
        )
    )
    assert n <= BUDGETS["intake_post"], n


def test_department_handlers_read_needs_through_the_department_index(
    world: Any, personas: Any
) -> None:
    """P1 for the department grant: its first page is found by `(department, id)`."""
    from lianjian.core.tests.test_query_plans import _first_page, _plan
    from lianjian.needs.selectors import needs_filtered

    plan = _plan(_first_page(needs_filtered(personas.dept_handler, {})))
    assert "needs_need_dept_idx" in plan, plan
