"""Who sees which ratings: the orgs chokepoint on the ratings' ancestor ids.

Street staff and the district see the ratings located in their region grants
(indexed equalities on `district_id` / `street_id`, P1); an organization's
admin sees the ratings of the organizations at or under their Party-organization
grant (a materialized-path prefix). Detail fetches answer 404 outside scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lianjian.core.permissions import grants_with_perm, user_has_perm
from lianjian.orgs.access import NOTHING, get_in_scope, scope_q
from lianjian.ratings.models import Rating, Scheme
from lianjian.ratings.workflow import CONFIRM, REVIEW, SELF_ASSESS

if TYPE_CHECKING:
    from lianjian.accounts.models import User

REPORT = "ratings.report"
MANAGE = "ratings.manage"
ANY_PERM = f"{SELF_ASSESS}|{REVIEW}|{CONFIRM}|{REPORT}"
READ_PERMS = (SELF_ASSESS, REVIEW, CONFIRM, REPORT)


def rating_scope_q(user: User, perms: tuple[str, ...] = READ_PERMS) -> Q:
    q = NOTHING
    for perm in perms:
        q |= scope_q(user, perm, org_path_field="party_org__path")
    return q


def ratings_visible_to(user: User) -> QuerySet[Rating]:
    return Rating.objects.filter(rating_scope_q(user))


def ratings_for(user: User, perm: str) -> QuerySet[Rating]:
    """The ratings `user` may act on with `perm` (self-assess, review, confirm)."""
    return Rating.objects.filter(rating_scope_q(user, (perm,)))


def get_rating_for_user(user: User, pk: object, request: HttpRequest | None = None) -> Rating:
    qs = ratings_visible_to(user).select_related("party_org", "round__scheme", "street")
    return get_in_scope(qs, pk, user=user, request=request)


def districts_of(user: User, perm: str) -> set[int]:
    out: set[int] = set()
    for grant in grants_with_perm(user, perm):
        if grant.region_id:
            region = grant.region
            out.add(region.pk if region.level == "district" else region.district_ref_id or 0)
        elif grant.party_org_id:
            out.add(grant.party_org.district_id or 0)
    out.discard(0)
    return out


def schemes_visible_to(user: User) -> QuerySet[Scheme]:
    ids: set[int] = set()
    for perm in (*READ_PERMS, MANAGE):
        ids |= districts_of(user, perm)
    qs = Scheme.objects.filter(district_id__in=ids)
    if not user_has_perm(user, MANAGE):
        qs = qs.filter(status=Scheme.Status.PUBLISHED)
    return qs


def schemes_managed_by(user: User) -> QuerySet[Scheme]:
    return Scheme.objects.filter(district_id__in=districts_of(user, MANAGE))


def get_scheme_for_user(user: User, pk: object, request: HttpRequest | None = None) -> Scheme:
    return get_in_scope(schemes_visible_to(user), pk, user=user, request=request)


def get_managed_scheme(user: User, pk: object, request: HttpRequest | None = None) -> Scheme:
    return get_in_scope(schemes_managed_by(user), pk, user=user, request=request)
