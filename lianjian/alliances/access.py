"""Scope for alliances: the orgs chokepoint applied to this app's tables.

Region grants see what sits in their subtree (ancestor ids, P1). A unit
Party admin (a Party-organization or unit grant) sees the alliances and
bodies its units currently belong to, and what happens in them: meetings,
proposals, resolutions; and the tasks assigned to its units. Everything
else answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lianjian.alliances.models import (
    Agreement,
    Alliance,
    AllianceMember,
    Body,
    BodyMember,
    Meeting,
    Proposal,
    Resolution,
    Task,
)
from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.access import NOTHING, get_in_scope, scope_q
from lianjian.orgs.models import OrgUnitCoverage, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

VIEW = "alliances.view"


def acting_unit_ids(user: User, perm: str = VIEW) -> QuerySet[Unit, Any]:
    """Units a user acts for as a unit Party admin: unit grants and units its orgs cover."""
    q = NOTHING
    for grant in grants_with_perm(user, perm):
        if grant.unit_id:
            q |= Q(pk=grant.unit_id)
        elif grant.party_org_id:
            covered = OrgUnitCoverage.objects.filter(
                party_org__path__startswith=grant.party_org.path, until__isnull=True
            ).values("unit_id")
            q |= Q(pk__in=covered)
    return Unit.objects.filter(q).values("pk")


def _member_of(user: User, perm: str) -> tuple[Any, Any]:
    units = acting_unit_ids(user, perm)
    alliances = AllianceMember.objects.filter(unit_id__in=units, left_on__isnull=True).values(
        "alliance_id"
    )
    bodies = Body.objects.filter(
        Q(alliance_id__in=alliances)
        | Q(
            pk__in=BodyMember.objects.filter(unit_id__in=units, left_on__isnull=True).values(
                "body_id"
            )
        )
    ).values("pk")
    return alliances, bodies


def _has_unit_grant(user: User, perm: str) -> bool:
    return any(g.unit_id or g.party_org_id for g in grants_with_perm(user, perm))


def alliances_visible_to(user: User, perm: str = VIEW) -> QuerySet[Alliance]:
    q = scope_q(user, perm)
    if _has_unit_grant(user, perm):
        q |= Q(pk__in=_member_of(user, perm)[0])
    return Alliance.objects.filter(q)


def bodies_visible_to(user: User, perm: str = VIEW) -> QuerySet[Body]:
    q = scope_q(user, perm)
    if _has_unit_grant(user, perm):
        q |= Q(pk__in=_member_of(user, perm)[1])
    return Body.objects.filter(q)


def _by_body(user: User, perm: str, field: str = "body_id") -> Q:
    q = scope_q(user, perm)
    if _has_unit_grant(user, perm):
        q |= Q(**{f"{field}__in": _member_of(user, perm)[1]})
    return q


def meetings_visible_to(user: User, perm: str = VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.filter(_by_body(user, perm))


def proposals_visible_to(user: User, perm: str = VIEW) -> QuerySet[Proposal]:
    return Proposal.objects.filter(_by_body(user, perm))


def resolutions_visible_to(user: User, perm: str = VIEW) -> QuerySet[Resolution]:
    return Resolution.objects.filter(_by_body(user, perm))


def tasks_visible_to(user: User, perm: str = VIEW) -> QuerySet[Task]:
    q = _by_body(user, perm, "resolution__body_id")
    if _has_unit_grant(user, perm):
        q |= Q(unit_id__in=acting_unit_ids(user, perm))
    return Task.objects.filter(q)


def agreements_visible_to(user: User, perm: str = VIEW) -> QuerySet[Agreement]:
    q = scope_q(user, perm)
    if _has_unit_grant(user, perm):
        q |= Q(unit_id__in=acting_unit_ids(user, perm))
    return Agreement.objects.filter(q)


def get_alliance_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Alliance:
    return get_in_scope(alliances_visible_to(user, perm), pk, user=user, request=request)


def get_body_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Body:
    qs = bodies_visible_to(user, perm).select_related("alliance", "region")
    return get_in_scope(qs, pk, user=user, request=request)


def get_meeting_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Meeting:
    qs = meetings_visible_to(user, perm).select_related("body")
    return get_in_scope(qs, pk, user=user, request=request)


def get_proposal_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Proposal:
    qs = proposals_visible_to(user, perm).select_related("body", "unit", "meeting")
    return get_in_scope(qs, pk, user=user, request=request)


def get_resolution_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Resolution:
    qs = resolutions_visible_to(user, perm).select_related("body", "meeting", "proposal")
    return get_in_scope(qs, pk, user=user, request=request)


def get_task_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Task:
    qs = tasks_visible_to(user, perm).select_related("resolution__body", "unit", "department")
    return get_in_scope(qs, pk, user=user, request=request)


def get_agreement_for_user(
    user: User, pk: Any, perm: str = VIEW, request: HttpRequest | None = None
) -> Agreement:
    qs = agreements_visible_to(user, perm).select_related("unit", "party_org", "region")
    return get_in_scope(qs, pk, user=user, request=request)


def can_act_for(user: User, unit_id: int | None, perm: str) -> bool:
    """The user may act (propose, check in, vote, report) for this unit with `perm`."""
    if unit_id is None:
        return False
    return acting_unit_ids(user, perm).filter(pk=unit_id).exists()


def may_manage(user: User, obj: Any) -> bool:
    """Region staff holding alliances.manage over the row's place."""
    model = type(obj)
    return bool(
        model._default_manager.filter(scope_q(user, "alliances.manage"), pk=obj.pk).exists()
    )
