"""The alliances demo reproduces the seed figures from its rows, read through the selectors
as the demo logins see them: 41 founding units (seed 000), 11 agreements of 海信社区 (seed
003), quarterly bodies with one missed quarter, resolutions implemented and overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from lianjian.alliances import access, selectors
from lianjian.alliances.cadence import Compliance
from lianjian.alliances.models import Alliance, Body, Proposal, Task
from lianjian.core.demo import DemoContext, PeopleFactory


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoContext]:
    """The builders alliances reads (orgs, needs, logins) and its own, rolled back at the end."""
    from lianjian.alliances import demo as alliances_demo
    from lianjian.needs import demo as needs_demo
    from lianjian.orgs import demo as orgs_demo
    from lianjian.portal.demo import _base_logins, _login_maker

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            ctx = DemoContext(people=PeopleFactory(), password="Demo-Pass-2026")
            ctx.login = _login_maker(ctx)
            for step in (orgs_demo.build, needs_demo.build, _base_logins, alliances_demo.build):
                step(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# each builds a demo (minutes on two cores): run once, in CI's PostgreSQL stage (P7),
# all on one xdist worker so the module's demo is built once
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("alliances_demo")]


def test_seed_figures_from_rows(demo: DemoContext) -> None:
    district = demo.objects["users.district"]
    aviation = Alliance.objects.get(name="程家桥街道航空行业党建联盟")
    current, founding = selectors.member_counts([aviation.pk])[aviation.pk]
    yantai = demo.objects["users.yantai"]
    haixin = demo.objects["yantai"]["communities"][0]
    agreements = access.agreements_visible_to(yantai).filter(region=haixin)
    report = selectors.proposal_report(district)
    figures = {
        "founding units": founding,
        "current members": current,
        "charter versions": aviation.charters.count(),
        "海信社区 agreements": agreements.count(),
        "海信社区 units": agreements.values("unit").distinct().count(),
        "aviation adopted": Proposal.objects.filter(
            body__alliance=aviation, status="adopted"
        ).count(),
        "implemented": report.implemented,
    }
    assert figures == {
        "founding units": 41,
        "current members": 41,
        "charter versions": 2,
        "海信社区 agreements": 11,
        "海信社区 units": 11,
        "aviation adopted": 2,
        "implemented": 1,
    }


def test_cadence_shows_one_missed_quarter_and_this_quarter(demo: DemoContext) -> None:
    street = demo.objects["users.street"]
    report = selectors.cadence_report(street, dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    missed = [
        (row.name, label)
        for row in report.rows
        for _, label, state, _ in row.cells
        if state == Compliance.MISSED
    ]
    assert missed == [("虹仙居民区联席会议", "2025年第3季度")]
    not_met = set(selectors.bodies_not_met(street).values_list("name", flat=True))
    assert {"虹仙居民区联席会议", "虹桥街道区域化党建联席会议"} <= not_met
    assert "长宁区区域化党建联席会议" not in not_met


def test_tasks_overdue_and_unit_report(demo: DemoContext) -> None:
    district = demo.objects["users.district"]
    open_, overdue = selectors.open_tasks_count(district)
    assert (open_, overdue) == (1, 1)
    rows = selectors.unit_task_report(district)
    assert sum(r.overdue for r in rows) == 1
    assert Task.objects.filter(status="done").count() == 1
    assert all(r.attendance_rate is None or 0 <= r.attendance_rate <= 100 for r in rows)


def test_unit_admin_sees_its_bodies_and_files_from_a_phone(demo: DemoContext) -> None:
    dongyin = demo.objects["users.dongyin"]
    bodies = set(access.bodies_visible_to(dongyin).values_list("kind", flat=True))
    assert Body.Kind.STREET in bodies
    assert not access.alliances_visible_to(dongyin).filter(name__contains="航空").exists()
    c = Client()
    c.force_login(dongyin)
    page = c.get("/alliances/m/")
    assert page.status_code == 200 and "提交建议议案" in page.content.decode()
