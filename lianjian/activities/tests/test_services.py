"""Sign-up, waiting list, cancellation, check-in and hours rules, with their refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.activities import events as domain_events
from lianjian.activities import selectors, services
from lianjian.activities.models import Event, HoursRecord, Signup
from lianjian.activities.services import ActivityError
from lianjian.activities.tests.factories import make_event, make_volunteer
from lianjian.core.models import Notification

pytestmark = pytest.mark.django_db


def test_capacity_then_waiting_list_then_promotion(tree: Any) -> None:
    event = make_event(tree.community_a1, capacity=2)
    a, b, c, d = (make_volunteer(tree.community_a1) for _ in range(4))
    sa = services.signup_create(event, a)
    sb = services.signup_create(event, b)
    sc = services.signup_create(event, c)
    sd = services.signup_create(event, d)
    assert [s.status for s in (sa, sb, sc, sd)] == ["confirmed", "confirmed", "waiting", "waiting"]
    # signing up twice is once
    assert services.signup_create(event, a).pk == sa.pk
    event.refresh_from_db()
    assert event.taken == 2
    services.signup_cancel(sb)
    sc.refresh_from_db()
    sd.refresh_from_db()
    assert (sc.status, sd.status) == ("confirmed", "waiting")
    event.refresh_from_db()
    assert event.taken == 2
    assert Notification.objects.filter(
        recipient=c.user, kind="activities.waitlist_promoted"
    ).exists()
    # a waiting sign-up cancelled frees nothing
    services.signup_cancel(sd)
    event.refresh_from_db()
    assert event.taken == 2


def test_signup_refused_after_deadline_and_when_withdrawn(tree: Any) -> None:
    event = make_event(tree.community_a1, capacity=5)
    v = make_volunteer(tree.community_a1)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=1)):
        with pytest.raises(ActivityError, match="报名已截止"):
            services.signup_create(event, v)
    signup = services.signup_create(event, v)
    assert services.volunteer_withdraw(v) == 1
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CANCELLED
    v.refresh_from_db()
    with pytest.raises(ActivityError, match="撤回"):
        services.signup_create(event, v)
    assert Signup.objects.filter(event=event, status="confirmed").count() == 0


def test_draft_event_takes_no_signups(tree: Any) -> None:
    event = make_event(tree.community_a1, publish=False)
    with pytest.raises(ActivityError, match="草稿"):
        services.signup_create(event, make_volunteer(tree.community_a1))


def test_join_needs_consent_and_withdrawal_hides_from_team(tree: Any, personas: Any) -> None:
    with pytest.raises(ActivityError, match="同意"):
        services.volunteer_join(
            user=personas.member, region=tree.community_a1, name="陈一", consent=False
        )
    v = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    assert v.consent_version and v.consent_at is not None
    team = services.team_create(actor=None, region=tree.community_a1, name="垃圾分类志愿队")
    services.team_member_add(team, v)
    assert [m.volunteer for m in selectors.team_members(team)] == [v]
    services.volunteer_withdraw(v)
    assert list(selectors.team_members(team)) == []
    again = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    assert again.pk == v.pk and again.withdrawn_at is None
    assert [m.volunteer for m in selectors.team_members(team)] == [v]


def test_team_names_unique_per_community(tree: Any) -> None:
    services.team_create(actor=None, region=tree.community_a1, name="助老队")
    with pytest.raises(ActivityError, match="同名"):
        services.team_create(actor=None, region=tree.community_a1, name="助老队")


def test_checkin_window_once_and_hours(tree: Any) -> None:
    event = make_event(tree.community_a1, capacity=3, hours=2.5)
    v = make_volunteer(tree.community_a1, member=tree.member_a1)
    outsider = make_volunteer(tree.community_a1)
    services.signup_create(event, v)
    token = event.checkin_token
    with time_machine.travel(event.starts_at - dt.timedelta(hours=1)):
        with pytest.raises(ActivityError, match="签到将于"):
            services.checkin_by_token(token, v, actor=None)
    with time_machine.travel(event.ends_at + dt.timedelta(hours=1)):
        with pytest.raises(ActivityError, match="签到已结束"):
            services.checkin_by_token(token, v, actor=None)
    seen: list[dict[str, Any]] = []
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5)):
        with pytest.raises(ActivityError, match="签到码无效"):
            services.checkin_by_token("x" * 32, v, actor=None)
        with pytest.raises(ActivityError, match="没有报名名额"):
            services.checkin_by_token(token, outsider, actor=None)
        import lianjian.core.events as core_events

        original = core_events.subscribers

        def spy(name: str) -> list[Any]:
            extra = (
                [lambda **kw: seen.append(kw)] if name == domain_events.ATTENDANCE_CONFIRMED else []
            )
            return [*original(name), *extra]

        core_events.subscribers = spy  # type: ignore[assignment]
        try:
            services.checkin_by_token(token, v, actor=None)
        finally:
            core_events.subscribers = original
        with pytest.raises(ActivityError, match="已签到"):
            services.checkin_by_token(token, v, actor=None)
        # the organizer scans a walk-in's personal code
        services.checkin_by_scan(event, outsider.qr_token, actor=None)
    assert len(seen) == 1 and seen[0]["member_id"] == tree.member_a1.pk
    assert seen[0]["hours"] == Decimal("2.5")
    record = HoursRecord.objects.get(volunteer=v)
    assert (record.hours, record.status) == (Decimal("2.5"), "pending")
    rows = selectors.attendance_list(event)
    assert {r["volunteer"].pk for r in rows if r["attendance"]} == {v.pk, outsider.pk}


def test_hours_log_adjust_verify_reject_and_totals(tree: Any, personas: Any) -> None:
    v = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    today = timezone.localdate()
    with pytest.raises(ActivityError, match="晚于今天"):
        services.hours_log(v, on=today + dt.timedelta(days=1), hours=1, description="助老")
    with pytest.raises(ActivityError, match="24"):
        services.hours_log(v, on=today, hours=25, description="助老")
    with pytest.raises(ActivityError, match="数字"):
        services.hours_log(v, on=today, hours="abc", description="助老")
    a = services.hours_log(v, on=today, hours="1.5", description="助老陪护")
    b = services.hours_log(v, on=today, hours=3, description="环境整治")
    assert selectors.year_total(personas.member) == Decimal("0")
    services.hours_adjust(a, hours=2, actor=personas.secretary_a1)
    services.hours_verify(a, actor=personas.secretary_a1, approve=True)
    with pytest.raises(ActivityError, match="原因"):
        services.hours_verify(b, actor=personas.secretary_a1, approve=False)
    services.hours_verify(b, actor=personas.secretary_a1, approve=False, reason="无现场记录")
    with pytest.raises(ActivityError, match="不能再修改"):
        services.hours_verify(a, actor=personas.secretary_a1, approve=True)
    with pytest.raises(ActivityError, match="自己"):
        c = services.hours_log(v, on=today, hours=1, description="自审")
        services.hours_verify(c, actor=personas.member, approve=True)
    assert selectors.year_total(personas.member) == Decimal("2.0")
    totals = selectors.my_totals(personas.member)
    assert totals[0]["year"] == today.year and totals[0]["pending"] == Decimal("1.0")


def test_joint_party_day_counts_for_each_org(tree: Any, personas: Any) -> None:
    event = make_event(
        tree.community_a1,
        kind="party_day",
        organizer_org=tree.org_a1,
        joint_orgs=[tree.org_a2, tree.org_building],
    )
    assert event.organizers.count() == 3
    assert list(selectors.joint_party_days(personas.street_staff)) == [event]
    assert list(selectors.joint_party_days(personas.secretary_a2)) == []


def test_cancelling_event_frees_everyone(tree: Any) -> None:
    event = make_event(tree.community_a1, capacity=1)
    v1, v2 = make_volunteer(tree.community_a1), make_volunteer(tree.community_a1)
    services.signup_create(event, v1)
    services.signup_create(event, v2)
    services.event_cancel(event, actor=None, reason="台风")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED and event.taken == 0
    assert not Signup.objects.filter(event=event).exclude(status="cancelled").exists()


def test_event_rules(tree: Any) -> None:
    now = timezone.now()
    with pytest.raises(ActivityError, match="结束时间"):
        services.event_create(
            actor=None, kind="service", title="x", region=tree.community_a1,
            starts_at=now, ends_at=now, organizer_org=tree.org_a1,
        )  # fmt: skip
    with pytest.raises(ActivityError, match="主办"):
        services.event_create(
            actor=None, kind="service", title="x", region=tree.community_a1,
            starts_at=now, ends_at=now + dt.timedelta(hours=1),
        )  # fmt: skip
    with pytest.raises(ActivityError, match="名额"):
        make_event(tree.community_a1, capacity=0)


def test_community_report_counts_each_team_volunteer_once(tree: Any, personas: Any) -> None:
    from lianjian.activities.models import Team

    a = services.team_create(actor=None, region=tree.community_a1, name="护河队")
    b = services.team_create(actor=None, region=tree.community_a1, name="助老队")
    paused = services.team_create(actor=None, region=tree.community_a1, name="暂停队")
    both, left, gone, idle, only_paused = (make_volunteer(tree.community_a1) for _ in range(5))
    for team in (a, b):
        services.team_member_add(team, both)
    services.team_member_add(a, left)
    services.team_member_leave(left.memberships.get(), actor=None)
    services.team_member_add(b, gone)
    services.volunteer_withdraw(gone, actor=None)
    services.team_member_add(paused, only_paused)
    Team.objects.filter(pk=paused.pk).update(status=Team.Status.PAUSED)
    rows = {r["community_id"]: r for r in selectors.community_report(personas.street_staff)}
    row = rows[tree.community_a1.pk]
    # in two teams: once; left, withdrawn, or only in a paused team: not serving
    assert (row["teams"], row["volunteers"], row["in_teams"]) == (2, 4, 1)
    assert idle.withdrawn_at is None
    assert selectors.community_report(personas.outsider) == []
