"""A department sees a need once it is dispatched to it, never on triage's proposal alone
(issue 11 finding 11): page and API 404, absent from lists and from every count."""

from __future__ import annotations

import datetime as dt
import types
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs.stats import DIMENSIONS, need_stats
from lianjian.needs.tests.test_stats import need_totals


def _propose_civil(world: Any, monkeypatch: Any) -> None:
    """Triage (the real module, its `propose` replaced) proposes 慈善关爱 → 民政办."""
    from lianjian.needs import triage

    monkeypatch.setattr(
        triage,
        "propose",
        lambda text, street_id: types.SimpleNamespace(
            category_id=world.charity.pk,
            department_id=world.civil.pk,
            confidence=0.93,
            source="model",
        ),
    )


@pytest.fixture
def proposed(world: Any, submit: Any, monkeypatch: Any) -> Any:
    """A need triage proposes for the persona's department (民政办), not dispatched."""
    _propose_civil(world, monkeypatch)
    need = submit(text="独居老人生活困难，希望社区民政帮扶")
    assert need.proposed_department_id == world.civil.pk and need.department_id is None
    return need


def _handler_sees(client_for: Any, personas: Any, need: Any) -> dict[str, Any]:
    c = client_for(personas.dept_handler)
    api_list = c.get("/api/v1/needs").json()
    return {
        "page": c.get(f"/needs/{need.pk}/").status_code,
        "api": c.get(f"/api/v1/needs/{need.pk}").status_code,
        "in_list": need.tracking_code in c.get("/needs/").content.decode(),
        "api_count": api_list["count"],
        "api_stats": c.get("/api/v1/needs/stats", {"by": "category"}).json(),
        "received": {
            dim: need_totals(need_stats(personas.dept_handler, dimension=dim))["received"]
            for dim in DIMENSIONS
        },
    }


def test_a_proposal_grants_no_visibility(
    world: Any, personas: Any, proposed: Any, client_for: Any
) -> None:
    seen = _handler_sees(client_for, personas, proposed)
    assert seen == {
        "page": 404,
        "api": 404,
        "in_list": False,
        "api_count": 0,
        "api_stats": [],
        "received": dict.fromkeys(DIMENSIONS, 0),
    }
    # nor can the handler act on it
    c = client_for(personas.dept_handler)
    assert c.post(f"/needs/{proposed.pk}/accept/", {"version": proposed.version}).status_code == 404
    # the dispatcher still sees the proposal, preselected in the dispatch form
    page = client_for(personas.street_staff).get(f"/needs/{proposed.pk}/")
    assert f'<option value="{world.civil.pk}" selected>' in page.content.decode()


def test_past_figures_do_not_count_it_either(
    world: Any, personas: Any, submit: Any, monkeypatch: Any
) -> None:
    """As of a date before the dispatch, the history fold must not count it for the handler."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _propose_civil(world, monkeypatch)
        need = submit()
    later = start + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        S.need_dispatch(
            need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
    with time_machine.travel(later + dt.timedelta(hours=1), tick=False):
        between = start + dt.timedelta(days=1)
        for dim in DIMENSIONS:
            figures = need_stats(personas.dept_handler, dimension=dim, as_of=between)
            assert need_totals(figures)["received"] == 0, dim
        now = need_stats(personas.dept_handler, dimension="category")
        assert need_totals(now)["received"] == 1


def test_a_dispatch_grants_it(world: Any, personas: Any, proposed: Any, client_for: Any) -> None:
    S.need_dispatch(
        proposed.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    seen = _handler_sees(client_for, personas, proposed)
    assert (seen["page"], seen["api"], seen["in_list"], seen["api_count"]) == (200, 200, True, 1)
    assert seen["received"]["department"] == 1 and seen["received"]["category"] == 1


def test_a_need_dispatched_elsewhere_stays_hidden(
    world: Any, personas: Any, proposed: Any, client_for: Any
) -> None:
    S.need_dispatch(
        proposed.pk,
        actor=personas.street_staff,
        category=world.sports,
        department=world.sports.department,
    )
    seen = _handler_sees(client_for, personas, proposed)
    assert (seen["page"], seen["api"], seen["in_list"], seen["api_count"]) == (404, 404, False, 0)
    assert seen["received"] == dict.fromkeys(DIMENSIONS, 0)


def test_a_rejected_proposal_never_reaches_the_department(
    world: Any, personas: Any, proposed: Any, client_for: Any
) -> None:
    S.need_reject(proposed.pk, actor=personas.street_staff, reason="重复来电")
    seen = _handler_sees(client_for, personas, proposed)
    assert (seen["page"], seen["api"], seen["api_count"]) == (404, 404, 0)
    assert seen["received"] == dict.fromkeys(DIMENSIONS, 0)


def test_the_migration_moves_old_proposals_out_of_sight(
    world: Any, personas: Any, proposed: Any, submit: Any
) -> None:
    """Rows written before this change carried the proposal as the department (0008)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from lianjian.needs.models import Need, NeedEvent, NeedSummary, NeedTally

    dispatched = submit(text="另一件已派单的需求")
    S.need_dispatch(
        dispatched.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    # the old shape: an undispatched need, its events and summary under the proposal
    Need.objects.filter(pk=proposed.pk).update(department=world.civil, proposed_department=None)
    NeedEvent.objects.filter(need=proposed).update(department=world.civil)
    NeedSummary.objects.filter(need=proposed).update(department=world.civil)
    from lianjian.needs.access import needs_visible_to

    assert needs_visible_to(personas.dept_handler).filter(pk=proposed.pk).exists()
    name = "0009_department_only_by_dispatch"
    migration = importlib.import_module(f"lianjian.needs.migrations.{name}")
    migration.backfill(MigrationLoader(connection).project_state(("needs", name)).apps, None)
    proposed.refresh_from_db()
    assert proposed.department_id is None and proposed.proposed_department_id == world.civil.pk
    assert not NeedEvent.objects.filter(need=proposed, department__isnull=False).exists()
    dispatched.refresh_from_db()
    assert dispatched.department_id == world.civil.pk  # a dispatched need keeps its department
    assert list(needs_visible_to(personas.dept_handler)) == [dispatched]
    assert NeedTally.objects.filter(department_id=world.civil.pk).count() >= 1
    by_channel = need_stats(personas.dept_handler, dimension="channel")
    assert need_totals(by_channel)["received"] == 1  # the dispatched one only
