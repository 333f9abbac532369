"""Services: alliances and charters, the proposal table, votes, quorum and majority, tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianjian.alliances.models import (
    AllianceMember,
    Body,
    CharterVersion,
    Meeting,
    Proposal,
    Resolution,
    Task,
    Vote,
)
from lianjian.alliances.services import agreements as agreement_services
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services import tasks as task_services
from lianjian.alliances.services.common import AllianceError
from lianjian.alliances.tests.factories import FOUNDED, World, schedule
from lianjian.core.models import Notification
from lianjian.orgs.tests.factories import make_unit

S = Proposal.Status
pytestmark = pytest.mark.django_db


def _adopt(w: World, tree: Any, choices: tuple[str, ...] = ("yes", "yes", "no")) -> Proposal:
    p = proposal_services.proposal_accept(w.proposal)
    proposal_services.proposal_put_on_agenda(p, meeting=w.meeting)
    for unit in (tree.unit_a1, tree.unit_a2, tree.unit_building):
        meeting_services.attendance_mark(w.meeting, unit=unit)
    meeting_services.meeting_hold(w.meeting)
    for unit, c in zip((tree.unit_a1, tree.unit_a2, tree.unit_building), choices, strict=False):
        proposal_services.vote_cast(p, unit=unit, choice_value=c)
    return proposal_services.proposal_decide(p)


# ---------------------------------------------------------------- alliances and charters


def test_alliance_has_lead_member_assembly_and_charter(world: World, tree: Any) -> None:
    a = world.alliance
    assert a.street_id == tree.street_a.pk and a.district_id == tree.district.pk
    assert AllianceMember.objects.filter(alliance=a, is_founding=True).count() == 3
    assert a.bodies.get().kind == Body.Kind.ASSEMBLY
    v2 = alliance_services.charter_adopt(a, text_body="新版", adopted_on=dt.date(2025, 3, 1))
    assert v2.version == 2
    assert list(CharterVersion.objects.filter(alliance=a).values_list("version", flat=True)) == [
        2,
        1,
    ]
    with pytest.raises(AllianceError, match="早于现行章程"):
        alliance_services.charter_adopt(a, text_body="旧", adopted_on=dt.date(2024, 6, 1))


def test_member_twice_refused_and_one_unit_in_two_alliances(world: World, tree: Any) -> None:
    with pytest.raises(AllianceError, match="已是联盟成员"):
        alliance_services.alliance_member_add(world.alliance, unit=tree.unit_a2, joined_on=FOUNDED)
    other = alliance_services.alliance_create(
        name="第二联盟", level="industry", region=tree.street_a, founded_on=FOUNDED
    )
    alliance_services.alliance_member_add(other, unit=tree.unit_a2, joined_on=FOUNDED)
    assert AllianceMember.objects.filter(unit=tree.unit_a2).count() == 2


def test_lead_cannot_leave_and_leave_date_checked(world: World, tree: Any) -> None:
    lead = world.alliance.members.get(unit=tree.unit_a1)
    with pytest.raises(AllianceError, match="牵头单位"):
        alliance_services.alliance_member_leave(lead, left_on=timezone.localdate())
    m = world.alliance.members.get(unit=tree.unit_a2)
    with pytest.raises(AllianceError, match="早于加入日期"):
        alliance_services.alliance_member_leave(m, left_on=dt.date(2023, 1, 1))


def test_body_level_must_match_region(tree: Any) -> None:
    with pytest.raises(AllianceError, match="应设在"):
        alliance_services.body_create(name="x", kind=Body.Kind.COMMUNITY, region=tree.street_a)
    with pytest.raises(AllianceError, match="法定到会比例"):
        alliance_services.body_create(
            name="x", kind=Body.Kind.STREET, region=tree.street_a, quorum_percent=0
        )


# ---------------------------------------------------------------- the proposal table


def test_every_refused_transition(world: World) -> None:
    p = world.proposal
    assert p.status == S.SUBMITTED
    with pytest.raises(AllianceError, match="不在表决中"):
        proposal_services.proposal_decide(p)
    with pytest.raises(AllianceError, match="不能改为"):
        proposal_services.proposal_defer(p)
    proposal_services.proposal_decline(p, reason="不属于联席会议职责")
    for call in (
        lambda: proposal_services.proposal_accept(p),
        lambda: proposal_services.proposal_put_on_agenda(p, meeting=world.meeting),
    ):
        with pytest.raises(AllianceError):
            call()
    assert list(p.history.values_list("to_status", flat=True)) == ["draft", "submitted", "declined"]


def test_transition_table_is_closed() -> None:
    for src, targets in proposal_services.ALLOWED_TRANSITIONS.items():
        assert src in S.values and all(t in S.values for t in targets)
    finals = {S.MERGED, S.DECLINED, S.ADOPTED, S.REJECTED}
    assert all(not proposal_services.ALLOWED_TRANSITIONS[f] for f in finals)


def test_decline_needs_reason_and_submitting_unit_is_notified(world: World, tree: Any) -> None:
    from conftest import _persona

    admin = _persona("unit_admin_b", "unit_admin", party_org=tree.org_building)
    with pytest.raises(AllianceError, match="原因"):
        proposal_services.proposal_decline(world.proposal, reason=" ")
    proposal_services.proposal_accept(world.proposal)
    assert Notification.objects.filter(recipient=admin, subject__contains="已受理").exists()


def test_proposal_from_outside_unit_refused(world: World, tree: Any) -> None:
    outsider = make_unit(region=tree.community_b1, name="外部单位")
    with pytest.raises(AllianceError, match="不是该联席会议的成员单位"):
        proposal_services.proposal_create(
            body=world.body, unit=outsider, title="t", content="c", category="other"
        )


def test_merge_into_other_of_same_body(world: World, tree: Any) -> None:
    other = proposal_services.proposal_create(
        body=world.body, unit=tree.unit_a1, title="同类议案", content="c", category="governance"
    )
    proposal_services.proposal_merge(other, into=world.proposal)
    other.refresh_from_db()
    assert other.status == S.MERGED and other.merged_into_id == world.proposal.pk
    with pytest.raises(AllianceError):
        proposal_services.proposal_merge(world.proposal, into=world.proposal)


def test_cancelled_meeting_puts_proposal_back(world: World) -> None:
    p = proposal_services.proposal_accept(world.proposal)
    proposal_services.proposal_put_on_agenda(p, meeting=world.meeting)
    meeting_services.meeting_cancel(world.meeting, reason="台风")
    p.refresh_from_db()
    assert p.status == S.ACCEPTED and p.meeting_id is None


# ---------------------------------------------------------------- votes, quorum, majority


def test_adopted_proposal_becomes_resolution_with_event(
    world: World, tree: Any, monkeypatch: Any
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    from lianjian.alliances.services import proposals as mod

    monkeypatch.setattr(mod, "publish", lambda name, **kw: seen.append((name, kw)))
    p = _adopt(world, tree)
    assert p.status == S.ADOPTED
    res = Resolution.objects.get(proposal=p)
    assert res.adopted_on == timezone.localdate()
    assert ("alliances.resolution_adopted", res.pk) in [
        (n, kw.get("resolution_id")) for n, kw in seen
    ]


def test_one_vote_per_unit(world: World, tree: Any) -> None:
    p = proposal_services.proposal_accept(world.proposal)
    proposal_services.proposal_put_on_agenda(p, meeting=world.meeting)
    meeting_services.attendance_mark(world.meeting, unit=tree.unit_a1)
    meeting_services.meeting_hold(world.meeting)
    proposal_services.vote_cast(p, unit=tree.unit_a1, choice_value="yes")
    with pytest.raises(AllianceError, match="已对本议案表决") as exc:
        proposal_services.vote_cast(p, unit=tree.unit_a1, choice_value="no")
    assert exc.value.status == 409
    assert Vote.objects.filter(proposal=p).count() == 1
    with pytest.raises(AllianceError, match="未到会"):
        proposal_services.vote_cast(p, unit=tree.unit_a2, choice_value="yes")


@pytest.mark.parametrize(
    ("members", "present", "yes", "quorum_percent", "majority", "quorum", "adopted"),
    [
        (4, 2, 2, 50, "simple", True, True),  # exactly half present meets a 50% quorum
        (4, 1, 1, 50, "simple", False, False),
        (3, 3, 2, 50, "simple", True, True),
        (4, 4, 2, 50, "simple", True, False),  # a tie is no majority
        (3, 3, 2, 50, "two_thirds", True, True),  # exactly two thirds
        (6, 6, 3, 50, "two_thirds", True, False),
        (10, 6, 4, 67, "two_thirds", False, False),  # 60% < 67%
        (0, 0, 0, 50, "simple", False, False),
    ],
)
def test_quorum_and_majority_edges(
    members: int,
    present: int,
    yes: int,
    quorum_percent: int,
    majority: str,
    quorum: bool,
    adopted: bool,
) -> None:
    t = proposal_services.Tally(members, present, yes, present - yes, 0, quorum_percent, majority)
    assert (t.quorum, t.adopted) == (quorum, adopted)


def test_no_quorum_refuses_decision_and_allows_defer(world: World, tree: Any) -> None:
    p = proposal_services.proposal_accept(world.proposal)
    proposal_services.proposal_put_on_agenda(p, meeting=world.meeting)
    meeting_services.attendance_mark(world.meeting, unit=tree.unit_a1)
    meeting_services.meeting_hold(world.meeting)
    with pytest.raises(AllianceError, match="未达到法定比例"):
        proposal_services.proposal_decide(p)
    p = proposal_services.proposal_defer(p)
    assert p.status == S.DEFERRED
    nxt = schedule(world.body, timezone.now() + dt.timedelta(days=30), title="下次会议")
    assert proposal_services.proposal_put_on_agenda(p, meeting=nxt).status == S.ON_AGENDA


def test_rejected_by_votes(world: World, tree: Any) -> None:
    p = _adopt(world, tree, ("yes", "no", "abstain"))
    assert p.status == S.REJECTED
    assert not Resolution.objects.filter(proposal=p).exists()


def test_checkin_needs_right_token_day_and_member(world: World, tree: Any) -> None:
    m = world.meeting
    with pytest.raises(AllianceError, match="签到码无效"):
        meeting_services.attendance_checkin(m, checkin_token="x", unit=tree.unit_a1)
    outsider = make_unit(region=tree.community_b1, name="外部单位")
    with pytest.raises(AllianceError, match="不是本会议的成员单位"):
        meeting_services.attendance_checkin(m, checkin_token=m.checkin_token, unit=outsider)
    meeting_services.attendance_checkin(m, checkin_token=m.checkin_token, unit=tree.unit_a1)
    later = schedule(world.body, timezone.now() + dt.timedelta(days=3))
    with pytest.raises(AllianceError, match="会议当天"):
        meeting_services.attendance_checkin(
            later, checkin_token=later.checkin_token, unit=tree.unit_a1
        )


def test_minutes_and_approval_rules(world: World, tree: Any) -> None:
    m = world.meeting
    with pytest.raises(AllianceError, match="已召开"):
        meeting_services.minutes_save(m, minutes="x")
    meeting_services.meeting_hold(m)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("a.pdf", b"MZ not a pdf")
    with pytest.raises(AllianceError, match="不是"):
        meeting_services.minutes_save(m, minutes="纪要", files=[bad])
    with pytest.raises(AllianceError, match="请先填写"):
        meeting_services.minutes_approve(m)
    pdf = SimpleUploadedFile("m.pdf", b"%PDF-1.4 minutes")
    meeting_services.minutes_save(m, minutes="纪要正文", files=[pdf])
    assert meeting_services.minutes_approve(m).status == Meeting.Status.APPROVED


# ---------------------------------------------------------------- tasks


def test_task_lifecycle_to_implemented(world: World, tree: Any) -> None:
    p = _adopt(world, tree)
    res = p.resolution
    today = timezone.localdate()
    t1 = task_services.task_assign(res, title="制定排班表", due_on=today, unit=tree.unit_building)
    t2 = task_services.task_assign(res, title="宣传", due_on=today, unit=tree.unit_a1)
    with pytest.raises(AllianceError, match="核验"):
        task_services.task_verify(t1)
    task_services.task_report(t1, percent=40, note="已完成一半")
    task_services.task_report(t1, percent=100, note="完成", done=True)
    task_services.task_send_back(t1, note="缺少照片")
    t1.refresh_from_db()
    assert t1.status == Task.Status.OPEN
    task_services.task_report(t1, percent=100, note="补充照片", done=True)
    task_services.task_verify(t1)
    res.refresh_from_db()
    assert res.status == Resolution.Status.IN_PROGRESS
    task_services.task_report(t2, percent=100, note="完成", done=True)
    task_services.task_verify(t2)
    res.refresh_from_db()
    assert res.status == Resolution.Status.IMPLEMENTED
    with pytest.raises(AllianceError, match="已落实"):
        task_services.task_assign(res, title="x", due_on=today, unit=tree.unit_a1)
    assert list(t1.timeline.values_list("kind", flat=True)) == [
        "progress", "done", "sent_back", "done", "verified",
    ]  # fmt: skip


def test_task_for_non_member_refused_and_overdue_escalates_once(world: World, tree: Any) -> None:
    p = _adopt(world, tree)
    outsider = make_unit(region=tree.community_b1, name="外部单位")
    with pytest.raises(AllianceError, match="不是该联席会议的成员单位"):
        task_services.task_assign(
            p.resolution, title="x", due_on=timezone.localdate(), unit=outsider
        )
    task = task_services.task_assign(
        p.resolution, title="x", due_on=timezone.localdate(), unit=tree.unit_a1
    )
    later = timezone.now() + dt.timedelta(days=2)
    assert task_services.tasks_escalate(later) == 1
    assert task_services.tasks_escalate(later) == 0
    task.refresh_from_db()
    assert task.escalated_at is not None


def test_agreement_checks(tree: Any) -> None:
    base = {
        "region": tree.community_a1,
        "party_org": tree.org_a1,
        "unit": tree.unit_a1,
        "title": "共驻共建协议书",
        "signed_on": dt.date(2025, 1, 1),
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "items": [("unit", "service", "提供活动场地"), ("community", "resource", "开放党校")],
    }
    a = agreement_services.agreement_sign(**base)
    assert a.items.count() == 2 and a.community_id == tree.community_a1.pk
    with pytest.raises(AllianceError, match="不在所选"):
        agreement_services.agreement_sign(**{**base, "party_org": tree.org_a2})
    with pytest.raises(AllianceError, match="期限止"):
        agreement_services.agreement_sign(**{**base, "ends_on": dt.date(2024, 1, 1)})
    with pytest.raises(AllianceError, match="承诺方"):
        agreement_services.agreement_sign(**{**base, "items": [("x", "service", "t")]})


def test_unit_report_counts_expected_and_attended_meetings_per_unit(
    tree: Any, world: Any, personas: Any
) -> None:
    """Expected: the held meetings of each body a unit belongs to now (an assembly: of its
    alliance's current members); a cancelled or scheduled meeting and a past member count not."""
    from lianjian.alliances import selectors
    from lianjian.alliances.models import AllianceMember
    from lianjian.alliances.tests.factories import schedule

    day = timezone.localdate()
    street = world.body
    second = schedule(street, title="第二次联席会议")
    cancelled = schedule(street, title="取消的会议")
    schedule(street, title="尚未召开")
    meeting_services.meeting_cancel(cancelled, reason="时间冲突")
    for meeting, present in (
        (world.meeting, [tree.unit_a1]),
        (second, [tree.unit_a1, tree.unit_a2]),
    ):
        meeting_services.meeting_hold(meeting, held_on=day)
        for unit in present:
            meeting_services.attendance_mark(meeting, unit=unit)
    assembly = alliance_services.body_create(
        name="联盟大会", kind="assembly", region=tree.street_a, alliance=world.alliance
    )
    held_assembly = schedule(assembly, title="联盟年度大会")
    meeting_services.meeting_hold(held_assembly, held_on=day)
    meeting_services.attendance_mark(held_assembly, unit=tree.unit_building)
    # unit_a2 has left the alliance: the assembly no longer expects it
    AllianceMember.objects.filter(alliance=world.alliance, unit=tree.unit_a2).update(left_on=day)
    in_alliance = set(
        AllianceMember.objects.filter(alliance=world.alliance, left_on__isnull=True).values_list(
            "unit_id", flat=True
        )
    )
    assert tree.unit_building.pk in in_alliance and tree.unit_a2.pk not in in_alliance

    rows = {r.unit_id: r for r in selectors.unit_task_report(personas.district_admin)}
    assembly_for = {u: 1 if u in in_alliance else 0 for u in rows}
    assert (rows[tree.unit_a1.pk].attended, rows[tree.unit_a1.pk].expected) == (
        2,
        2 + assembly_for[tree.unit_a1.pk],
    )
    assert (rows[tree.unit_a2.pk].attended, rows[tree.unit_a2.pk].expected) == (1, 2)
    assert (rows[tree.unit_building.pk].attended, rows[tree.unit_building.pk].expected) == (1, 3)
    assert rows[tree.unit_a2.pk].attendance_rate == 50.0
