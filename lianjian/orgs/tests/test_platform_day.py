"""The registries' "today" is the platform's day (Beijing time), whatever the host's clock says.

At 2026-12-31 17:00 UTC it is already 2027-01-01 01:00 in Shanghai. time-machine's UTC
destination also sets the process's TZ to UTC, as on a host whose local time is UTC and
where Django's TIME_ZONE never reaches the C library (no system zone data): there the
host's date still says 2026-12-31, for eight hours of every day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.orgs import coverage, validation
from lianjian.orgs.models import OrgUnitCoverage
from lianjian.orgs.services import party_org_deactivate, party_org_update, unit_deactivate
from lianjian.orgs.services_members import member_create, member_update
from lianjian.orgs.tests.factories import make_id_number, make_party_org, make_unit

UTC_EVENING = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
SHANGHAI_DAY = dt.date(2027, 1, 1)
HOST_DAY = dt.date(2026, 12, 31)


@pytest.fixture
def new_year_in_shanghai() -> Iterator[None]:
    with time_machine.travel(UTC_EVENING, tick=False):
        # the trap the code must not fall into, and the day it must use
        host_day = dt.date.today()  # host clock on purpose
        assert (host_day, timezone.localdate()) == (HOST_DAY, SHANGHAI_DAY)
        yield


@pytest.mark.usefixtures("new_year_in_shanghai")
def test_a_join_date_of_the_shanghai_day_is_not_in_the_future() -> None:
    assert validation.joined_on_problem(SHANGHAI_DAY, None) is None
    tomorrow = SHANGHAI_DAY + dt.timedelta(days=1)
    assert validation.joined_on_problem(tomorrow, None) == "入党日期不能晚于今天"


@pytest.mark.usefixtures("new_year_in_shanghai")
def test_admitted_on_the_eighteenth_birthday_that_is_today_in_shanghai() -> None:
    """Born 2009-01-01: eighteen on the Shanghai day, so admitted that very day."""
    born = dt.date(2009, 1, 1)
    assert validation.joined_on_problem(SHANGHAI_DAY, born) is None
    assert "年满18周岁" in (validation.joined_on_problem(HOST_DAY, born) or "")


@pytest.mark.django_db
def test_the_member_services_accept_a_join_date_of_the_shanghai_day(tree: Any) -> None:
    with time_machine.travel(UTC_EVENING, tick=False):
        member = member_create(
            party_org=tree.org_a1,
            name="元旦",
            id_number=make_id_number(birth="20090101"),
            joined_on=SHANGHAI_DAY,
        )
        member_update(tree.member_a1, joined_on=SHANGHAI_DAY)
    member.refresh_from_db()
    tree.member_a1.refresh_from_db()
    assert member.joined_on == tree.member_a1.joined_on == SHANGHAI_DAY


@pytest.mark.django_db
def test_deactivations_and_coverage_changes_are_dated_the_shanghai_day(tree: Any) -> None:
    unit = make_unit(region=tree.community_a1, name="跨年公司")
    dropped = make_unit(region=tree.community_a1, name="跨年二号公司")
    added = make_unit(region=tree.community_a1, name="跨年三号公司")
    org = make_party_org(region=tree.community_a1, covered_units=[dropped])
    empty = make_party_org(region=tree.community_a1, name="跨年党支部")
    with time_machine.travel(UTC_EVENING, tick=False):
        unit_deactivate(unit)
        party_org_update(org, covered_units=[added])
        party_org_deactivate(empty)
    unit.refresh_from_db()
    empty.refresh_from_db()
    assert unit.deregistered_on == SHANGHAI_DAY
    assert empty.dissolved_on == SHANGHAI_DAY
    links = OrgUnitCoverage.objects.filter(party_org=org)
    assert links.get(unit=dropped).until == SHANGHAI_DAY
    assert links.get(unit=added).since == SHANGHAI_DAY


@pytest.mark.usefixtures("new_year_in_shanghai")
def test_the_coverage_report_defaults_to_the_shanghai_day() -> None:
    assert coverage.parse_as_of(None) == coverage.parse_as_of("") == SHANGHAI_DAY
    assert coverage.parse_as_of("2026-12-31") == HOST_DAY
