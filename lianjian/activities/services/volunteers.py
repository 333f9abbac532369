"""Volunteer profiles (with consent, S16), teams and memberships."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.activities.models import CONSENT_VERSION, Team, TeamMembership, Volunteer
from lianjian.activities.services.common import ActivityError, located, text, token
from lianjian.core.audit import audit_record
from lianjian.orgs.models import Member, PartyOrg, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@transaction.atomic
def volunteer_join(
    *,
    user: User,
    region: Region,
    name: str,
    member: Member | None = None,
    skills: str = "",
    consent: bool,
    request: HttpRequest | None = None,
) -> Volunteer:
    """A member or resident joins volunteering; they must agree to the consent text.

    Joining again after a withdrawal records a new consent on the same profile."""
    if not consent:
        raise ActivityError("参加志愿服务须先阅读并同意个人信息使用说明", "consent")
    name = text(name, "姓名", "name", 50)
    skills = text(skills, "特长", "skills", 200, required=False)
    now = timezone.now()
    volunteer = Volunteer.objects.select_for_update().filter(user_id=user.pk).first()
    if volunteer is None:
        volunteer = Volunteer(user=user, qr_token=token())
    volunteer.name = name
    volunteer.member = member
    volunteer.region = region
    volunteer.skills = skills
    volunteer.consent_version = CONSENT_VERSION
    volunteer.consent_at = now
    volunteer.withdrawn_at = None
    for field, value in located(region).items():
        setattr(volunteer, field, value)
    volunteer.save()
    audit_record(
        "activity.volunteer_joined",
        user=user,
        request=request,
        obj=volunteer,
        detail={"consent_version": CONSENT_VERSION},
    )
    return volunteer


@transaction.atomic
def volunteer_register(
    *, actor: User, region: Region, name: str, member: Member | None = None, skills: str = ""
) -> Volunteer:
    """Staff record a resident who consented on the paper form (version and time kept)."""
    volunteer = Volunteer(
        name=text(name, "姓名", "name", 50),
        member=member,
        region=region,
        skills=text(skills, "特长", "skills", 200, required=False),
        consent_version=CONSENT_VERSION,
        consent_at=timezone.now(),
        qr_token=token(),
        **located(region),
    )
    volunteer.save()
    audit_record("activity.volunteer_registered", user=actor, obj=volunteer)
    return volunteer


@transaction.atomic
def volunteer_withdraw(
    volunteer: Volunteer, *, actor: User | None = None, request: HttpRequest | None = None
) -> int:
    """Withdraw consent: hidden from team lists, no new sign-ups, open sign-ups cancelled.

    Returns how many sign-ups were cancelled (each frees its place for the waiting list)."""
    from lianjian.activities.services.signups import signup_cancel

    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.withdrawn_at is not None:
        return 0
    volunteer.withdrawn_at = timezone.now()
    volunteer.save(update_fields=["withdrawn_at", "updated_at"])
    cancelled = 0
    for signup in volunteer.signups.filter(
        status__in=["confirmed", "waiting"], event__starts_at__gt=timezone.now()
    ):
        signup_cancel(signup, actor=actor)
        cancelled += 1
    audit_record(
        "activity.volunteer_withdrawn",
        user=actor,
        request=request,
        obj=volunteer,
        detail={"cancelled": cancelled},
    )
    return cancelled


@transaction.atomic
def team_create(
    *,
    actor: User | None,
    region: Region,
    name: str,
    party_org: PartyOrg | None = None,
    leader: Volunteer | None = None,
    skills: str = "",
) -> Team:
    if region.level != Region.Level.COMMUNITY and party_org is None:
        raise ActivityError("志愿服务队应属于一个社区或一个单位党组织", "region")
    team = Team(
        name=text(name, "队伍名称", "name", 100),
        region=region,
        party_org=party_org,
        leader=leader,
        skills=text(skills, "服务特长", "skills", 200, required=False),
        **located(region),
    )
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise ActivityError("该社区已有同名的志愿服务队", "name", 409) from None
    audit_record("activity.team_created", user=actor, obj=team)
    if leader is not None:
        team_member_add(team, leader, actor=actor)
    return team


@transaction.atomic
def team_member_add(
    team: Team, volunteer: Volunteer, *, joined_on: dt.date | None = None, actor: User | None = None
) -> TeamMembership:
    if team.status != Team.Status.ACTIVE:
        raise ActivityError(f"队伍当前为“{team.get_status_display()}”，不能加入新队员")
    if volunteer.withdrawn_at is not None:
        raise ActivityError("该志愿者已撤回同意，不能加入队伍", "volunteer")
    open_row = team.memberships.filter(volunteer=volunteer, left_on__isnull=True).first()
    if open_row is not None:
        return open_row
    joined_on = joined_on or timezone.localdate()
    try:
        with transaction.atomic():
            row = TeamMembership.objects.create(team=team, volunteer=volunteer, joined_on=joined_on)
    except IntegrityError:  # a parallel add won
        return team.memberships.get(volunteer=volunteer, left_on__isnull=True)
    audit_record(
        "activity.team_member_added", user=actor, obj=team, detail={"volunteer": volunteer.pk}
    )
    return row


@transaction.atomic
def team_member_leave(
    membership: TeamMembership, *, left_on: dt.date | None = None, actor: User | None = None
) -> TeamMembership:
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.left_on is not None:
        return membership
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ActivityError("退出日期不能早于加入日期", "left_on")
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit_record(
        "activity.team_member_left",
        user=actor,
        object_type="activities.team",
        object_id=str(membership.team_id),
        detail={"volunteer": membership.volunteer_id},
    )
    return membership
