"""Who sees which surveys and answers which (the scope chokepoint for surveys).

Staff see the surveys located in their region grants (`orgs.access.scope_q`)
and, in results, only the responses located there. A unit admin answers for
the units their grants reach (a unit grant, or the units their Party
organizations cover now); a member answers for themself. Detail fetches go
through `get_in_scope`: anything outside answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.access import get_in_scope, scope_q
from lianjian.orgs.models import Member, OrgUnitCoverage, Unit
from lianjian.surveys.models import Response, Survey

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lianjian.accounts.models import User

MANAGE = "surveys.manage"
REPORT = "surveys.report"
ANSWER = "surveys.answer"


def surveys_visible_to(user: User, perm: str = REPORT) -> QuerySet[Survey]:
    return Survey.objects.filter(scope_q(user, perm))


def get_survey_for_user(user: User, pk: object, perm: str = REPORT) -> Survey:
    return get_in_scope(surveys_visible_to(user, perm), pk, user=user)


def responses_visible_to(user: User, survey: Survey, perm: str = REPORT) -> QuerySet[Response]:
    """The survey's submitted responses located in the user's scope."""
    return Response.objects.filter(
        scope_q(user, perm), survey=survey, status=Response.Status.SUBMITTED
    )


def admin_unit_ids(user: User) -> list[int]:
    """The units a unit admin answers for."""
    ids: set[int] = set()
    paths: list[str] = []
    for grant in grants_with_perm(user, ANSWER):
        if grant.unit_id:
            ids.add(grant.unit_id)
        elif grant.party_org_id:
            paths.append(grant.party_org.path)
    if paths:
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(party_org__path__startswith=path)
        ids |= set(
            OrgUnitCoverage.objects.filter(q, until__isnull=True).values_list("unit_id", flat=True)
        )
    return sorted(ids)


def member_of(user: User | AnonymousUser) -> Member | None:
    if not user.is_authenticated or not grants_with_perm(user, ANSWER):
        return None
    return Member.objects.filter(user_id=user.pk, is_active=True).first()


def respondent_keys(user: User) -> list[str]:
    """Every key under which `user` may answer: their units, then themself."""
    keys = [f"unit:{pk}" for pk in admin_unit_ids(user)]
    member = member_of(user)
    if member is not None:
        keys.append(f"member:{member.pk}")
    return keys


def units_of(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=admin_unit_ids(user))


def unit_admin_users(unit_ids: list[int]) -> dict[int, list[User]]:
    """Unit id → the accounts that answer for it (reminders go to them)."""
    from lianjian.accounts.models import Grant
    from lianjian.core.roles import Role

    out: dict[int, list[User]] = {pk: [] for pk in unit_ids}
    grants = Grant.objects.filter(role=Role.UNIT_ADMIN, user__is_active=True).select_related(
        "user", "party_org"
    )
    for g in grants.filter(unit_id__in=unit_ids):
        out[int(g.unit_id or 0)].append(g.user)
    org_paths = [(g.user, g.party_org.path) for g in grants if g.party_org is not None]
    if org_paths:
        links = OrgUnitCoverage.objects.filter(
            unit_id__in=unit_ids, until__isnull=True
        ).values_list("unit_id", "party_org__path")
        for unit_id, path in links:
            for user, org_path in org_paths:
                if path.startswith(org_path) and user not in out[unit_id]:
                    out[unit_id].append(user)
    return out
