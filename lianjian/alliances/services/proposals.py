"""Proposals: the transition table, votes, and the decision that makes a resolution.

Every status change goes through `_transition`, which refuses what the
table does not allow, writes a history row with the actor and time, and
notifies the submitting unit's admins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.alliances.models import (
    AgendaItem,
    Attendance,
    Body,
    Meeting,
    Proposal,
    ProposalHistory,
    ProposalNeed,
    Resolution,
    Vote,
)
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import (
    AllianceError,
    active_unit,
    actor_or_none,
    choice,
    notify_users,
    text,
    unit_admins,
)
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.orgs.models import Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

S = Proposal.Status
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.MERGED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.ON_AGENDA, S.MERGED, S.DECLINED}),
    # taken off the agenda when its meeting is cancelled
    S.ON_AGENDA: frozenset({S.DISCUSSED, S.ACCEPTED}),
    S.DISCUSSED: frozenset({S.ADOPTED, S.REJECTED, S.DEFERRED}),
    S.DEFERRED: frozenset({S.ON_AGENDA, S.MERGED, S.DECLINED}),
    S.MERGED: frozenset(),
    S.DECLINED: frozenset(),
    S.ADOPTED: frozenset(),
    S.REJECTED: frozenset(),
}


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("body").get(pk=proposal.pk)


def _transition(
    proposal: Proposal,
    to: str,
    *,
    actor: User | None,
    note: str = "",
    meeting: Meeting | None = None,
    notify: bool = True,
) -> Proposal:
    before = proposal.status
    if to not in ALLOWED_TRANSITIONS[S(before)]:
        raise AllianceError(
            f"议案当前为“{S(before).label}”，不能改为“{S(to).label}”", "status", 409
        )
    proposal.status = to
    now = timezone.now()
    if to == S.SUBMITTED:
        proposal.submitted_at = now
    proposal.save()
    ProposalHistory.objects.create(
        proposal=proposal,
        from_status=before,
        to_status=to,
        actor=actor_or_none(actor),
        meeting=meeting or proposal.meeting,
        note=note[:200],
        at=now,
    )
    audit_record("alliance.proposal", user=actor, obj=proposal, detail={"from": before, "to": to})
    if notify:
        notify_users(
            unit_admins([proposal.unit_id]),
            f"议案“{proposal.title}”{S(to).label}",
            note,
            f"/alliances/proposals/{proposal.pk}/",
        )
    return proposal


@transaction.atomic
def proposal_create(
    *,
    body: Body,
    unit: Unit,
    title: str,
    content: str,
    category: str,
    source: str = Proposal.Source.MEMBER,
    needs: Sequence[Any] = (),
    visit: Any = None,
    submit: bool = True,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Proposal:
    """A proposal of a member unit, sent at once unless kept as a draft."""
    if not body.is_active:
        raise AllianceError("该联席会议已停用", "body", 409)
    active_unit(unit)
    if unit.pk not in body_member_unit_ids(body):
        raise AllianceError("提出单位不是该联席会议的成员单位", "unit")
    title = text(title, "title", "标题", 100)
    content = text(content, "content", "内容", 5000)
    choice(category, Proposal.Category, "category", "类别")
    choice(source, Proposal.Source, "source", "来源")
    if needs and source == Proposal.Source.MEMBER:
        source = Proposal.Source.NEEDS
    if visit is not None and source == Proposal.Source.MEMBER:
        source = Proposal.Source.VISIT
    if len(needs) > 50:
        raise AllianceError("一个议案最多关联 50 条需求", "needs")
    proposal = Proposal.objects.create(
        body=body,
        unit=unit,
        title=title,
        content=content,
        category=category,
        source=source,
        visit=visit,
        submitted_by=actor_or_none(actor),
        district_id=body.district_id,
        street_id=body.street_id,
        community_id=body.community_id,
    )
    ProposalNeed.objects.bulk_create([ProposalNeed(proposal=proposal, need=n) for n in needs])
    ProposalHistory.objects.create(
        proposal=proposal, to_status=S.DRAFT, actor=actor_or_none(actor), at=timezone.now()
    )
    if submit:
        _transition(proposal, S.SUBMITTED, actor=actor, notify=False)
        publish(
            "alliances.proposal_submitted",
            proposal_id=proposal.pk,
            unit_id=unit.pk,
            body_id=body.pk,
            need_ids=[n.pk for n in needs],
        )
    audit_record("alliance.proposal_create", user=actor, request=request, obj=proposal)
    return proposal


@transaction.atomic
def proposal_submit(proposal: Proposal, *, actor: User | None = None) -> Proposal:
    proposal = _transition(_lock(proposal), S.SUBMITTED, actor=actor, notify=False)
    publish(
        "alliances.proposal_submitted",
        proposal_id=proposal.pk,
        unit_id=proposal.unit_id,
        body_id=proposal.body_id,
        need_ids=list(proposal.need_links.values_list("need_id", flat=True)),
    )
    return proposal


@transaction.atomic
def proposal_accept(proposal: Proposal, *, actor: User | None = None, note: str = "") -> Proposal:
    note = text(note, "note", "说明", 200, required=False)
    return _transition(_lock(proposal), S.ACCEPTED, actor=actor, note=note)


@transaction.atomic
def proposal_decline(proposal: Proposal, *, reason: str, actor: User | None = None) -> Proposal:
    reason = text(reason, "reason", "不予受理原因", 200)
    proposal = _lock(proposal)
    proposal.decline_reason = reason
    return _transition(proposal, S.DECLINED, actor=actor, note=reason)


@transaction.atomic
def proposal_merge(proposal: Proposal, *, into: Proposal, actor: User | None = None) -> Proposal:
    proposal = _lock(proposal)
    if into.pk == proposal.pk or into.body_id != proposal.body_id:
        raise AllianceError("只能合并到同一联席会议的另一议案", "into")
    if into.status in (S.MERGED, S.DECLINED, S.REJECTED, S.DRAFT):
        raise AllianceError("目标议案的状态不能接受合并", "into", 409)
    proposal.merged_into = into
    return _transition(proposal, S.MERGED, actor=actor, note=f"并入“{into.title}”")


@transaction.atomic
def proposal_put_on_agenda(
    proposal: Proposal, *, meeting: Meeting, actor: User | None = None
) -> Proposal:
    """Put an accepted (or deferred) proposal on a scheduled meeting of its body."""
    proposal = _lock(proposal)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.body_id != proposal.body_id:
        raise AllianceError("只能列入本议案所提交联席会议的会议", "meeting")
    if meeting.status != Meeting.Status.SCHEDULED:
        raise AllianceError("只能列入尚未召开的会议", "meeting", 409)
    proposal.meeting = meeting
    _transition(proposal, S.ON_AGENDA, actor=actor, meeting=meeting, note=meeting.title)
    if not AgendaItem.objects.filter(meeting=meeting, proposal=proposal).exists():
        AgendaItem.objects.create(
            meeting=meeting,
            proposal=proposal,
            order=meeting.agenda.count() + 1,
            title=f"审议议案：{proposal.title}",
        )
    return proposal


def proposals_off_agenda(meeting: Meeting, *, actor: User | None = None) -> int:
    """The meeting was cancelled: its proposals wait for another meeting."""
    count = 0
    for proposal in Proposal.objects.select_for_update().filter(
        meeting=meeting, status=S.ON_AGENDA
    ):
        proposal.meeting = None
        _transition(proposal, S.ACCEPTED, actor=actor, meeting=meeting, note="会议取消")
        count += 1
    AgendaItem.objects.filter(meeting=meeting, proposal__isnull=False).delete()
    return count


def proposals_discussed(meeting: Meeting, *, actor: User | None = None) -> int:
    count = 0
    for proposal in Proposal.objects.select_for_update().filter(
        meeting=meeting, status=S.ON_AGENDA
    ):
        _transition(proposal, S.DISCUSSED, actor=actor, meeting=meeting, notify=False)
        count += 1
    return count


# ---------------------------------------------------------------- votes


@transaction.atomic
def vote_cast(
    proposal: Proposal,
    *,
    unit: Unit,
    choice_value: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Vote:
    """One vote of an attending member unit; a second vote of the same unit is refused (R1)."""
    choice(choice_value, Vote.Choice, "choice", "表决意见")
    proposal = Proposal.objects.select_related("meeting").get(pk=proposal.pk)
    meeting = proposal.meeting
    if proposal.status != S.DISCUSSED or meeting is None:
        raise AllianceError("该议案当前不在表决中", "proposal", 409)
    if meeting.status != Meeting.Status.HELD:
        raise AllianceError("只有已召开的会议可以表决", "meeting", 409)
    if not Attendance.objects.filter(meeting=meeting, unit=unit).exists():
        raise AllianceError("该单位未到会，不能表决", "unit", 409)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                meeting=meeting,
                proposal=proposal,
                unit=unit,
                choice=choice_value,
                recorded_by=actor_or_none(actor),
            )
    except IntegrityError:
        raise AllianceError("该单位已对本议案表决", "unit", 409) from None
    audit_record(
        "alliance.vote",
        user=actor,
        request=request,
        obj=proposal,
        detail={"unit": unit.pk, "meeting": meeting.pk},
    )
    return vote


@dataclass(frozen=True)
class Tally:
    members: int
    present: int
    yes: int
    no: int
    abstain: int
    quorum_percent: int
    majority: str

    @property
    def quorum(self) -> bool:
        return self.members > 0 and self.present * 100 >= self.quorum_percent * self.members

    @property
    def adopted(self) -> bool:
        """A majority of the units present (abstaining or silent units count against)."""
        if not self.quorum:
            return False
        if self.majority == Body.Majority.TWO_THIRDS:
            return self.yes * 3 >= self.present * 2
        return self.yes * 2 > self.present


def vote_tally(proposal: Proposal) -> Tally:
    meeting = proposal.meeting
    body = proposal.body
    counts = {c: 0 for c in Vote.Choice.values}
    present = 0
    if meeting is not None:
        for value in Vote.objects.filter(proposal=proposal, meeting=meeting).values_list(
            "choice", flat=True
        ):
            counts[value] += 1
        present = Attendance.objects.filter(meeting=meeting).count()
    day = (meeting.held_on if meeting else None) or timezone.localdate()
    return Tally(
        members=len(body_member_unit_ids(body, day)),
        present=present,
        yes=counts["yes"],
        no=counts["no"],
        abstain=counts["abstain"],
        quorum_percent=body.quorum_percent,
        majority=body.majority,
    )


@transaction.atomic
def proposal_decide(
    proposal: Proposal, *, actor: User | None = None, request: HttpRequest | None = None
) -> Proposal:
    """Close the vote: the body's quorum and majority rule decide adopted or rejected."""
    proposal = _lock(proposal)
    if proposal.status != S.DISCUSSED:
        raise AllianceError("该议案当前不在表决中", "status", 409)
    tally = vote_tally(proposal)
    if not tally.quorum:
        raise AllianceError(
            f"到会单位 {tally.present}/{tally.members}，未达到法定比例 {tally.quorum_percent}%，"
            "只能延期审议",
            "quorum",
            409,
        )
    note = f"赞成 {tally.yes}，反对 {tally.no}，弃权 {tally.abstain}，到会 {tally.present}"
    if not tally.adopted:
        return _transition(proposal, S.REJECTED, actor=actor, note=note)
    _transition(proposal, S.ADOPTED, actor=actor, note=note)
    meeting = proposal.meeting
    assert meeting is not None and meeting.held_on is not None
    resolution = Resolution.objects.create(
        proposal=proposal,
        body=proposal.body,
        meeting=meeting,
        title=proposal.title,
        adopted_on=meeting.held_on,
        district_id=proposal.district_id,
        street_id=proposal.street_id,
        community_id=proposal.community_id,
    )
    publish(
        "alliances.resolution_adopted",
        resolution_id=resolution.pk,
        proposal_id=proposal.pk,
        unit_id=proposal.unit_id,
        body_id=proposal.body_id,
        meeting_id=meeting.pk,
        adopted_on=resolution.adopted_on,
    )
    audit_record("alliance.resolution", user=actor, request=request, obj=resolution)
    return proposal


@transaction.atomic
def proposal_defer(proposal: Proposal, *, actor: User | None = None, note: str = "") -> Proposal:
    note = text(note, "note", "说明", 200, required=False) or "延期至下次会议审议"
    return _transition(_lock(proposal), S.DEFERRED, actor=actor, note=note)
