"""Each unit's member dates (`Unit.member_since`, `min_members_since`) stay equal to what
its members say, whichever way a member is written, and the coverage flags read them."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from lianjian.orgs import coverage
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.services_bulk import member_bulk_upsert
from lianjian.orgs.services_members import (
    ALWAYS,
    member_deactivate,
    member_update,
    unit_member_dates_refresh,
)
from lianjian.orgs.tests.factories import make_id_number, make_member, make_unit

D = dt.date


def expected_dates(unit: Unit) -> tuple[dt.date | None, dt.date | None]:
    """The oracle: the unit's live members' join dates, sorted, first and third."""
    joined = sorted(
        m.joined_on or ALWAYS for m in Member.objects.filter(workplace_unit=unit, is_active=True)
    )
    return (joined[0] if joined else None, joined[2] if len(joined) >= 3 else None)


def assert_dates_true() -> None:
    for unit in Unit.objects.all():
        assert (unit.member_since, unit.min_members_since) == expected_dates(unit), unit.name


def test_single_writes_keep_the_dates(tree: Any) -> None:
    c1 = tree.community_a1
    a, b = make_unit(c1, "甲公司"), make_unit(c1, "乙公司")
    first = make_member(tree.org_a1, workplace_unit=a, joined_on=D(2019, 5, 1))
    make_member(tree.org_a1, workplace_unit=a, joined_on=D(2017, 3, 1))
    a.refresh_from_db()
    assert (a.member_since, a.min_members_since) == (D(2017, 3, 1), None)
    third = make_member(tree.org_a1, workplace_unit=a, joined_on=None)  # no date: always
    a.refresh_from_db()
    assert (a.member_since, a.min_members_since) == (ALWAYS, D(2019, 5, 1))
    assert_dates_true()

    member_update(third, workplace_unit=b)  # a move changes both units
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.member_since, a.min_members_since) == (D(2017, 3, 1), None)
    assert (b.member_since, b.min_members_since) == (ALWAYS, None)
    member_update(first, joined_on=D(2016, 1, 1))
    member_deactivate(Member.objects.get(pk=third.pk))
    assert_dates_true()

    member_update(Member.objects.get(pk=first.pk), workplace_unit=b)  # a freshly loaded row
    assert_dates_true()
    b.refresh_from_db()
    assert b.member_since == D(2016, 1, 1)


def test_a_write_around_the_services_waits_for_the_repair(tree: Any) -> None:
    """No signal keeps the dates (ADR 0010): a plain save or delete leaves them as they
    were until `unit_member_dates_refresh` (or `lianjian refresh_member_dates`) runs."""
    unit = make_unit(tree.community_a1, "甲公司")
    member = make_member(tree.org_a1, workplace_unit=unit, joined_on=D(2019, 5, 1))
    Member.objects.get(pk=member.pk).delete()
    unit.refresh_from_db()
    assert unit.member_since == D(2019, 5, 1)
    assert unit_member_dates_refresh([unit.pk]) == 1
    assert_dates_true()


def test_import_moves_and_creates_keep_the_dates(tree: Any) -> None:
    c1 = tree.community_a1
    a, b = make_unit(c1, "甲公司"), make_unit(c1, "乙公司")
    movers = [
        make_member(tree.org_a1, workplace_unit=a, joined_on=D(2015 + n, 1, 1)) for n in range(3)
    ]
    a.refresh_from_db()
    assert a.min_members_since == D(2017, 1, 1)
    creates = [
        {
            "name": f"新党员{n}",
            "id_number": make_id_number(900 + n),
            "party_org": tree.org_a1,
            "workplace_unit": b,
            "joined_on": D(2020, 1, n + 1),
        }
        for n in range(2)
    ]
    updates = [(Member.objects.get(pk=movers[0].pk), {"workplace_unit": b})]
    assert member_bulk_upsert(creates, updates) == (2, 1)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.member_since, a.min_members_since) == (D(2016, 1, 1), None)
    assert (b.member_since, b.min_members_since) == (D(2015, 1, 1), D(2020, 1, 2))
    assert_dates_true()


@pytest.mark.parametrize("as_of", [D(2016, 6, 1), D(2018, 6, 1), D(2021, 6, 1)])
def test_flags_follow_the_members_on_each_date(tree: Any, personas: Any, as_of: dt.date) -> None:
    c1 = tree.community_a1
    units = [make_unit(c1, f"企业{n}", registered_on=D(2010, 1, 1)) for n in range(4)]
    for n, unit in enumerate(units):  # unit n gets n members joining 2016, 2018, 2020
        for k in range(n):
            make_member(tree.org_a1, workplace_unit=unit, joined_on=D(2016 + 2 * k, 1, 1))

    def members_on(unit: Unit) -> int:
        return sum(
            1
            for m in Member.objects.filter(workplace_unit=unit, is_active=True)
            if m.joined_on is None or m.joined_on <= as_of
        )

    admin, district = personas.district_admin, tree.district
    listed = {
        figure: set(
            coverage.figure_units(admin, district, as_of, figure).values_list("pk", flat=True)
        )
        for figure in ("no_member", "violations")
    }
    for unit in units:
        assert (unit.pk not in listed["no_member"]) == (members_on(unit) >= 1)
        assert (unit.pk in listed["violations"]) == (members_on(unit) >= 3)
    counts = coverage.figures(admin, district, as_of)
    assert counts["violations"] == len(listed["violations"])


def test_refresh_command_repairs_rows_written_around_the_services(tree: Any) -> None:
    unit = make_unit(tree.community_a1, "甲公司")
    for n in range(3):
        make_member(tree.org_a1, workplace_unit=unit, joined_on=D(2018, 1, n + 1))
    Unit.objects.update(member_since=None, min_members_since=None)  # as a raw restore might
    out = StringIO()
    call_command("refresh_member_dates", stdout=out)
    assert "已重新计算" in out.getvalue()
    unit.refresh_from_db()
    assert (unit.member_since, unit.min_members_since) == (D(2018, 1, 1), D(2018, 1, 3))
    assert unit_member_dates_refresh([]) == 0
    assert_dates_true()


def test_an_edit_of_unrelated_fields_leaves_the_units_alone(tree: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    unit = make_unit(tree.community_a1, "甲公司")
    member = make_member(tree.org_a1, workplace_unit=unit, joined_on=D(2018, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        member_update(member, floating_to="江苏省南京市", is_floating=True)
    assert not [q for q in queries if 'UPDATE "orgs_unit"' in q["sql"]]  # no unit refresh
    member_deactivate(member)
    unit.refresh_from_db()
    assert unit.member_since is None


def test_saving_a_unit_loaded_before_a_member_was_written_keeps_the_dates(tree: Any) -> None:
    from lianjian.orgs.services import unit_update

    unit = make_unit(tree.community_a1, "甲公司")
    stale = Unit.objects.get(pk=unit.pk)  # loaded while the unit has no members
    make_member(tree.org_a1, workplace_unit=unit, joined_on=D(2018, 1, 1))
    unit_update(stale, name="甲公司（更名）")
    unit.refresh_from_db()
    assert unit.name == "甲公司（更名）" and unit.member_since == D(2018, 1, 1)
    stale.liaison_name = "联络员乙"
    stale.save()  # a plain save, outside the services
    unit.refresh_from_db()
    assert unit.liaison_name == "联络员乙" and unit.member_since == D(2018, 1, 1)
