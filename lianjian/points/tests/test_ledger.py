"""The ledger: idempotent awards, caps, the balance invariant, consent, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from lianjian.core.events import publish
from lianjian.points import services
from lianjian.points.models import Balance, Cause, Entry
from lianjian.points.selectors import balance_of

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)


def _attend(member: Any, attendance_id: int, kind: str = "主题党日", on: dt.date = DAY) -> int:
    return publish(
        "activities.attendance_confirmed",
        attendance_id=attendance_id,
        event_id=1,
        event_kind=kind,
        member_id=member.pk,
        community_id=member.community_id,
        hours=Decimal("2"),
        on=on,
    )


def test_replayed_event_awards_once(enrolled: Any) -> None:
    assert _attend(enrolled, 7) == 1
    _attend(enrolled, 7)
    assert Entry.objects.filter(member=enrolled).count() == 1
    assert balance_of(enrolled.pk) == 10


def test_each_cause_by_its_rule(enrolled: Any) -> None:
    publish(
        "activities.hours_verified",
        record_id=3,
        member_id=enrolled.pk,
        community_id=enrolled.community_id,
        hours=Decimal("3"),
        on=DAY,
    )
    publish(
        "activities.lesson_completed",
        completion_id=4,
        lesson_id=1,
        course_id=1,
        member_id=enrolled.pk,
        community_id=enrolled.community_id,
        on=DAY,
    )
    publish(
        "projects.claim_delivered",
        claim_id=5,
        item_id=1,
        kind="wish",
        party_org_id=None,
        member_id=enrolled.pk,
        community_id=enrolled.community_id,
        value=Decimal(0),
        people_helped=1,
        on_time=True,
        confirmed_at=dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC),
    )
    by_cause = dict(Entry.objects.filter(member=enrolled).values_list("cause", "points"))
    assert by_cause == {Cause.SERVICE_HOURS: 6, Cause.LESSON: 5, Cause.CLAIM: 20}
    assert balance_of(enrolled.pk) == 31


def test_resident_without_member_and_org_claim_are_ignored(enrolled: Any) -> None:
    _attend_none = publish(
        "activities.lesson_completed",
        completion_id=9,
        lesson_id=1,
        course_id=1,
        member_id=None,
        community_id=1,
        on=DAY,
    )
    assert _attend_none == 1
    publish(
        "projects.claim_delivered",
        claim_id=6,
        item_id=1,
        kind="project",
        party_org_id=3,
        member_id=None,
        community_id=1,
        value=Decimal(0),
        people_helped=1,
        on_time=True,
        confirmed_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
    )
    assert Entry.objects.count() == 0


def test_period_cap_trims_then_stops(enrolled: Any) -> None:
    for i in range(5):
        _attend(enrolled, 100 + i)
    assert balance_of(enrolled.pk) == 30
    _attend(enrolled, 200, on=dt.date(2026, 4, 2))  # a new month
    assert balance_of(enrolled.pk) == 40


def test_event_kind_rule_wins(enrolled: Any, tree: Any) -> None:
    services.rule_create(
        tree.street_a,
        actor=None,
        data={
            "cause": Cause.ATTENDANCE,
            "event_kind": "三会一课",
            "name": "三会一课",
            "points": 3,
            "valid_from": dt.date(2020, 1, 1),
        },
    )
    _attend(enrolled, 1, kind="三会一课")
    _attend(enrolled, 2, kind="志愿活动")
    assert sorted(Entry.objects.values_list("points", flat=True)) == [3, 10]


def test_rule_edit_keeps_history(enrolled: Any, programme: Any) -> None:
    _attend(enrolled, 1)
    new = services.rule_edit(programme.attendance, actor=None, data={"points": 12})
    old = type(new).objects.get(pk=programme.attendance.pk)
    assert old.valid_until is not None and new.previous_id == old.pk and new.points == 12
    assert Entry.objects.get().rule_id == old.pk
    _attend(enrolled, 2, on=new.valid_from)
    assert Entry.objects.filter(rule=new).get().points == 12


def test_no_consent_no_award_and_withdrawal_keeps_rows(enrolled: Any, tree: Any) -> None:
    _attend(tree.member_b1, 1)  # never joined
    assert not Entry.objects.filter(member=tree.member_b1).exists()
    _attend(enrolled, 2)
    services.withdraw(enrolled, actor=None)
    _attend(enrolled, 3)
    assert Entry.objects.filter(member=enrolled).count() == 1
    with pytest.raises(services.PointsError):
        services.adjust(enrolled, points=5, reason="补录", actor=None)
    services.enrol(enrolled, actor=None)
    _attend(enrolled, 3)
    assert balance_of(enrolled.pk) == 20


def test_adjust_needs_reason_and_deduction_is_a_new_entry(enrolled: Any, personas: Any) -> None:
    _attend(enrolled, 1)
    with pytest.raises(services.PointsError, match="原因"):
        services.adjust(enrolled, points=-3, reason=" ", actor=personas.secretary_a1)
    services.adjust(enrolled, points=-3, reason="重复登记更正", actor=personas.secretary_a1)
    assert list(Entry.objects.order_by("pk").values_list("points", flat=True)) == [10, -3]
    with pytest.raises(services.PointsError, match="不足"):
        services.adjust(enrolled, points=-100, reason="超额", actor=personas.secretary_a1)
    assert balance_of(enrolled.pk) == 7


def test_spend_is_idempotent_per_key(enrolled: Any) -> None:
    services.adjust(enrolled, points=20, reason="补录", actor=None)
    services.spend(enrolled, points=8, key="k1", actor=None)
    assert services.spend(enrolled, points=8, key="k1", actor=None) is None
    assert balance_of(enrolled.pk) == 12


def test_balance_never_negative_in_database(enrolled: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(member=enrolled).update(points=-1)


def test_points_check_finds_a_drift(enrolled: Any) -> None:
    _attend(enrolled, 1)
    out = StringIO()
    call_command("points_check", stdout=out)
    assert "一致" in out.getvalue()
    Balance.objects.filter(member=enrolled).update(points=99)
    with pytest.raises(SystemExit):
        call_command("points_check", stdout=StringIO())
    assert services.check_balances() == [(enrolled.pk, 99, 10)]


def test_a_refused_award_never_breaks_the_publisher(enrolled: Any, tree: Any) -> None:
    services.rule_create(
        tree.street_a,
        actor=None,
        data={
            "cause": Cause.LESSON,
            "name": "缺课扣分",
            "points": -5,
            "valid_from": dt.date(2020, 1, 1),
        },
    )
    # balance 0: the deduction is refused quietly; a malformed payload is ignored
    assert (
        publish(
            "activities.lesson_completed",
            completion_id=1,
            lesson_id=1,
            course_id=1,
            member_id=enrolled.pk,
            community_id=1,
            on=DAY,
        )
        == 1
    )
    publish("activities.lesson_completed", member_id=enrolled.pk, on=DAY)
    assert Entry.objects.count() == 0
