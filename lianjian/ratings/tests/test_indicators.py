"""Computed criteria against hand-made fixtures, and contributed indicators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lianjian.core.indicators import Indicator
from lianjian.orgs.models import OrgUnitCoverage
from lianjian.orgs.tests.factories import make_unit
from lianjian.ratings import indicators, services
from lianjian.ratings.models import Method, Rating, Round
from lianjian.ratings.tests.factories import make_scheme


def test_units_covered_counts_links_live_in_the_year(tree: Any) -> None:
    extra = make_unit(region=tree.building_a, name="东银新入驻公司")
    OrgUnitCoverage.objects.create(
        party_org=tree.org_building, unit=extra, since=dt.date(2026, 3, 1)
    )
    ended = make_unit(region=tree.building_a, name="已迁出公司")
    OrgUnitCoverage.objects.create(
        party_org=tree.org_building,
        unit=ended,
        since=dt.date(2020, 1, 1),
        until=dt.date(2025, 6, 1),
    )
    ids = [tree.org_building.pk, tree.org_a1.pk]
    assert indicators.units_covered(ids, 2026) == {tree.org_building.pk: 2.0}
    # the tree's own link starts today; only the ended one was live in 2025
    assert indicators.units_covered(ids, 2025) == {tree.org_building.pk: 1.0}
    assert indicators.claims_delivered(ids, 2026) == {}
    assert indicators.meetings_attended(ids, 2026) == {}


def test_contributed_indicator_scores_a_round(tree: Any, monkeypatch: Any) -> None:
    held = Indicator(
        "activities.held",
        "开展活动次数",
        "次",
        lambda org_ids, year: {tree.org_a1.pk: 3.0, tree.org_b1.pk: 12.0},
    )
    monkeypatch.setattr(indicators, "extension", lambda point: [held])
    assert "activities.held" in indicators.indicators()
    scheme = make_scheme(tree.district, 2026, publish=False)
    group = scheme.groups.get(name="作用发挥")
    crit = services.criterion_add(
        group,
        name="活动",
        max_score=10,
        method=Method.COMPUTED,
        indicator="activities.held",
        target=6,
    )
    scheme = services.scheme_publish(scheme)
    rnd = services.round_open(scheme, orgs=[tree.org_a1, tree.org_b1], scope=Round.Scope.ALL)
    a1 = Rating.objects.get(round=rnd, party_org=tree.org_a1).scores.get(criterion=crit)
    b1 = Rating.objects.get(round=rnd, party_org=tree.org_b1).scores.get(criterion=crit)
    assert (a1.value, str(a1.self_score)) == (3.0, "5.0")
    assert (b1.value, str(b1.self_score)) == (12.0, "10.0")  # capped at the max


def test_liangxin_scope_takes_orgs_covering_a_liangxin_unit(tree: Any) -> None:
    orgs = set(services.orgs_in_scope(tree.district, Round.Scope.LIANGXIN))
    assert orgs == {tree.org_building}
    assert tree.org_a1 in set(services.orgs_in_scope(tree.district, Round.Scope.ALL))


def test_needs_on_time_share_per_covering_org(tree: Any) -> None:
    from django.utils import timezone

    from lianjian.needs.models import Need

    now = timezone.now()
    day = dt.timedelta(days=1)

    def need(code: str, replied: Any, deadline: Any) -> None:
        Need.objects.create(
            tracking_code=code,
            channel="window",
            text="需要党建指导",
            region=tree.building_a,
            unit=tree.unit_building,
            deadline=deadline,
            replied_at=replied,
        )

    need("R1", now - day, now)  # answered before its deadline
    need("R2", now, now - day)  # answered late
    need("R3", None, now + day)  # not answered yet
    need("R4", now - day, now)
    year = timezone.localdate().year
    ids = [tree.org_building.pk, tree.org_a1.pk]
    assert indicators.needs_on_time(ids, year) == {tree.org_building.pk: 50.0}
    assert indicators.needs_on_time(ids, year - 1) == {}


def test_meetings_attended_counts_held_meetings_of_covered_units(tree: Any) -> None:
    from django.utils import timezone

    from lianjian.alliances.services import meetings as meeting_services
    from lianjian.alliances.tests.factories import make_world, schedule

    world = make_world(tree)
    meeting_services.meeting_hold(world.meeting)
    meeting_services.attendance_mark(world.meeting, unit=tree.unit_building)
    meeting_services.attendance_mark(world.meeting, unit=tree.unit_a1)
    # a meeting only scheduled counts for nobody, even with a unit marked present
    later = schedule(world.body, title="第二次联席会议")
    meeting_services.attendance_mark(later, unit=tree.unit_building)
    year = timezone.localdate().year
    ids = [tree.org_building.pk, tree.org_a1.pk]
    # unit_a1 is covered by no organization: its presence counts for none
    assert indicators.meetings_attended(ids, year) == {tree.org_building.pk: 1.0}
