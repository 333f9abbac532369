"""Computed criteria against hand-made fixtures, and contributed indicators.

The built-in figures are contributed by the apps owning their data (ADR 0018); the tests
read them through the extension point, by key, as a scheme does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.core.indicators import Indicator
from lianjian.orgs.models import OrgUnitCoverage
from lianjian.orgs.tests.factories import make_unit
from lianjian.ratings import indicators, services
from lianjian.ratings.models import Method, Rating, Round
from lianjian.ratings.tests.factories import make_scheme


def _compute(key: str, ids: list[int], year: int) -> dict[int, float]:
    return indicators.indicators()[key].compute(ids, year)


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
    assert _compute("orgs.units_covered", ids, 2026) == {tree.org_building.pk: 2.0}
    # the tree's own link starts today; only the ended one was live in 2025
    assert _compute("orgs.units_covered", ids, 2025) == {tree.org_building.pk: 1.0}
    assert _compute("projects.claims_delivered", ids, 2026) == {}
    assert _compute("alliances.meetings_attended", ids, 2026) == {}


def test_contributed_indicator_scores_a_round(tree: Any, monkeypatch: Any) -> None:
    held = Indicator(
        "tests.held",
        "开展活动次数",
        "次",
        lambda org_ids, year: {tree.org_a1.pk: 3.0, tree.org_b1.pk: 12.0},
    )
    from lianjian.core.registry import extension

    contributed = extension(indicators.EXTENSION_POINT)
    monkeypatch.setattr(indicators, "extension", lambda point: [*contributed, held])
    assert "tests.held" in indicators.indicators()
    scheme = make_scheme(tree.district, 2026, publish=False)
    group = scheme.groups.get(name="作用发挥")
    crit = services.criterion_add(
        group,
        name="活动",
        max_score=10,
        method=Method.COMPUTED,
        indicator="tests.held",
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
    assert _compute("needs.answered_on_time", ids, year) == {tree.org_building.pk: 50.0}
    assert _compute("needs.answered_on_time", ids, year - 1) == {}


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
    assert _compute("alliances.meetings_attended", ids, year) == {tree.org_building.pk: 1.0}


def test_each_builtin_indicator_comes_from_the_app_owning_its_data() -> None:
    from lianjian.core.registry import registries

    owners = {
        key: r.label
        for r in registries()
        for item in r.extensions.get(indicators.EXTENSION_POINT, ())
        for key in [item.key]
    }
    assert owners == {
        "orgs.units_covered": "orgs",
        "alliances.meetings_attended": "alliances",
        "needs.answered_on_time": "needs",
        "projects.claims_delivered": "projects",
        "activities.held": "activities",
        "activities.course_attendance": "activities",
    }
    # every key names its owner, and ratings contributes none of its own
    assert all(key.split(".")[0] == app for key, app in owners.items())


def test_activities_held_counts_ended_events_of_the_organizers(tree: Any) -> None:
    from lianjian.activities.models import Event, EventOrganizer
    from lianjian.activities.tests.factories import make_event

    def held_on(event: Any, day: dt.datetime) -> None:
        Event.objects.filter(pk=event.pk).update(starts_at=day, ends_at=day + dt.timedelta(hours=2))

    june = dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)
    done = make_event(tree.community_a1, organizer_org=tree.org_a1)
    held_on(done, june)
    EventOrganizer.objects.get_or_create(event=done, party_org=tree.org_a2)  # 联组
    second = make_event(tree.community_a1, organizer_org=tree.org_a1)
    held_on(second, june + dt.timedelta(days=30))
    make_event(tree.community_a1, organizer_org=tree.org_a1)  # in two days: not held yet
    cancelled = make_event(tree.community_a1, organizer_org=tree.org_a1)
    held_on(cancelled, june)
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    draft = make_event(tree.community_a1, organizer_org=tree.org_a1, publish=False)
    held_on(draft, june)
    ids = [tree.org_a1.pk, tree.org_a2.pk, tree.org_b1.pk]
    assert _compute("activities.held", ids, 2025) == {tree.org_a1.pk: 2.0, tree.org_a2.pk: 1.0}
    assert _compute("activities.held", ids, 2024) == {}


def test_course_attendance_is_the_share_of_active_members_who_studied(tree: Any) -> None:
    from lianjian.activities.models_school import Completion
    from lianjian.activities.services import school
    from lianjian.activities.tests.factories import make_volunteer
    from lianjian.orgs.tests.factories import make_member

    course = school.course_create(actor=None, title="党课", organizer_org=tree.org_a1)
    lesson = school.e_lesson_add(course, actor=None, title="五分钟党课", body="内容")
    # org_a1: 陈一 studied, a second member did not, a deactivated member who studied is out
    studied = make_volunteer(tree.community_a1, member=tree.member_a1)
    make_member(party_org=tree.org_a1, name="吴四")
    gone = make_member(party_org=tree.org_a1, name="郑五")
    gone_volunteer = make_volunteer(tree.community_a1, member=gone)
    school.e_lesson_complete(lesson, studied)
    school.e_lesson_complete(lesson, gone_volunteer)
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    # org_a2: 林二 studied in 2024 only
    earlier = make_volunteer(tree.community_a2, member=tree.member_a2)
    row = school.e_lesson_complete(lesson, earlier)
    Completion.objects.filter(pk=row.pk).update(at=dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC))
    year = timezone.localdate().year
    ids = [tree.org_a1.pk, tree.org_a2.pk, tree.org_b1.pk]
    got = _compute("activities.course_attendance", ids, year)
    assert got == {tree.org_a1.pk: 50.0, tree.org_a2.pk: 0.0, tree.org_b1.pk: 0.0}
    assert _compute("activities.course_attendance", ids, 2024)[tree.org_a2.pk] == 100.0
