"""Scope for items, claims and registrations: the orgs chokepoint, and the claimant's side.

Staff (community, street, district) see what lies in their region grants,
through the ancestor ids (`projects.manage`). A claimant — a unit admin for
the organizations under their grant, a member for themself — sees the
published items of the communities where they are registered and approved,
and their own claims and registrations; a draft is never theirs to see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypedDict, cast

from django.db.models import Q, QuerySet, Value
from django.http import HttpRequest

from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.access import NOTHING, get_in_scope, scope_q
from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.projects.models import (
    Claim,
    Item,
    ItemStatus,
    Pair,
    PairVisitPhoto,
    Photo,
    Registration,
    RegStatus,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MANAGE = "projects.manage"
CLAIM = "projects.claim"
REPORT = "projects.report"
# a unit admin at the top of a big tree acts for this many organizations at most
MAX_ACTING_ORGS = 5000


def member_of(user: User) -> Member | None:
    if not grants_with_perm(user, CLAIM):
        return None
    return Member.objects.filter(user_id=user.pk, is_active=True).first()


def orgs_acting_for(user: User) -> QuerySet[PartyOrg]:
    """The organizations a unit admin claims for: those at or under their grants."""
    q = NOTHING
    for grant in grants_with_perm(user, CLAIM):
        if grant.party_org_id:
            q |= Q(path__startswith=grant.party_org.path)
    return PartyOrg.objects.filter(q, is_active=True)


ActingIds = tuple[list[int], list[int]]


class RegionId(TypedDict):
    region_id: int


class _Memo(Protocol):
    """The user object, as `_acting_ids` memoises on it (one read per request)."""

    _projects_acting: ActingIds


def _acting_ids(user: User) -> ActingIds:
    """The organizations and member rows a claimant acts for, read once per request and
    in one statement: a unit admin's organizations (a few) and their own member row."""
    grants = grants_with_perm(user, CLAIM)
    if not grants:
        return [], []
    cached: ActingIds | None = getattr(user, "_projects_acting", None)
    if cached is None:
        # kind 0: the user's member row (one at most), 1: the organizations at or under
        # their grants; one statement either way
        ids = Member.objects.filter(user_id=user.pk).annotate(kind=Value(0)).order_by()
        rows = ids.values_list("kind", "pk")
        paths = [g.party_org.path for g in grants if g.party_org_id]
        if paths:
            org_q = NOTHING
            for path in paths:
                org_q |= Q(path__startswith=path)
            orgs = PartyOrg.objects.filter(org_q).annotate(kind=Value(1)).order_by()
            # the member row first, then at most MAX_ACTING_ORGS organizations
            rows = rows.union(orgs.values_list("kind", "pk"), all=True).order_by("kind")
            rows = rows[: MAX_ACTING_ORGS + 1]
        read = list(rows)
        org_ids = [pk for kind, pk in read if kind == 1][:MAX_ACTING_ORGS]
        member_ids = [pk for kind, pk in read if kind == 0]
        cached = (org_ids, member_ids)
        cast("_Memo", user)._projects_acting = cached  # once per request object
    return cached


def _acting_q(user: User) -> Q:
    """The registrant columns a claimant acts for."""
    org_ids, member_ids = _acting_ids(user)
    if not org_ids and not member_ids:
        return NOTHING
    return Q(party_org_id__in=org_ids) | Q(member_id__in=member_ids)


def registrations_acting_for(user: User) -> QuerySet[Registration]:
    """Registrations the user acts for as a claimant (never staff scope)."""
    return Registration.objects.filter(_acting_q(user))


def approved_communities(user: User) -> QuerySet[Registration, RegionId]:
    return registrations_acting_for(user).filter(status=RegStatus.APPROVED).values("region_id")


def item_scope_q(user: User) -> Q:
    q = scope_q(user, MANAGE)
    if grants_with_perm(user, CLAIM):
        q |= Q(region_id__in=approved_communities(user)) & ~Q(status=ItemStatus.DRAFT)
        q |= Q(pk__in=claims_acting_for(user).values("item_id"))
    return q


def items_visible_to(user: User) -> QuerySet[Item]:
    return Item.objects.filter(item_scope_q(user))


def items_managed_by(user: User) -> QuerySet[Item]:
    return Item.objects.filter(scope_q(user, MANAGE))


def claims_acting_for(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(registration__in=registrations_acting_for(user))


def claims_visible_to(user: User) -> QuerySet[Claim]:
    q = scope_q(user, MANAGE)
    if grants_with_perm(user, CLAIM):
        q |= Q(registration__in=registrations_acting_for(user))
    return Claim.objects.filter(q)


def registrations_visible_to(user: User) -> QuerySet[Registration]:
    q = scope_q(user, MANAGE) | _acting_q(user)
    return Registration.objects.filter(q)


def get_item_for_user(user: User, pk: int | str, request: HttpRequest | None = None) -> Item:
    qs = items_visible_to(user).select_related("region")
    return get_in_scope(qs, pk, user=user, request=request)


def get_managed_item(user: User, pk: int | str, request: HttpRequest | None = None) -> Item:
    return get_in_scope(items_managed_by(user), pk, user=user, request=request)


def get_claim_for_user(user: User, pk: int | str, request: HttpRequest | None = None) -> Claim:
    qs = claims_visible_to(user).select_related("item", "party_org", "member", "registration")
    return get_in_scope(qs, pk, user=user, request=request)


def get_own_claim(user: User, pk: int | str, request: HttpRequest | None = None) -> Claim:
    """A claim the user acts for (progress, delivery, withdrawal)."""
    qs = claims_acting_for(user).select_related("item", "party_org", "member")
    return get_in_scope(qs, pk, user=user, request=request)


def get_managed_claim(user: User, pk: int | str, request: HttpRequest | None = None) -> Claim:
    qs = Claim.objects.filter(scope_q(user, MANAGE)).select_related("item", "party_org", "member")
    return get_in_scope(qs, pk, user=user, request=request)


def get_registration_for_user(
    user: User, pk: int | str, request: HttpRequest | None = None
) -> Registration:
    qs = registrations_visible_to(user).select_related("party_org", "member", "region")
    return get_in_scope(qs, pk, user=user, request=request)


def get_managed_registration(
    user: User, pk: int | str, request: HttpRequest | None = None
) -> Registration:
    qs = Registration.objects.filter(scope_q(user, MANAGE)).select_related("party_org", "member")
    return get_in_scope(qs, pk, user=user, request=request)


def get_photo_for_user(user: User, token: str) -> Photo | None:
    photo = Photo.objects.filter(token=str(token)[:32]).select_related("progress").first()
    if photo is None:
        return None
    if not claims_visible_to(user).filter(pk=photo.progress.claim_id).exists():
        return None
    return photo


# ---------------------------------------------------------------- 帮扶对子
#
# A pair is seen by its unit (the unit admin acting for the pair's Party
# organization) and by the region staff in scope (manage or report); it is
# changed (visits, end) by its unit and by the staff who manage its community.
# The household's name and note are personal data: in full for the pair's unit
# and the staff of the pair's own community, masked for the street and district.


def _pair_org_q(user: User) -> Q:
    org_ids, _ = _acting_ids(user)
    return Q(party_org_id__in=org_ids) if org_ids else NOTHING


def pairs_visible_to(user: User) -> QuerySet[Pair]:
    q = scope_q(user, MANAGE) | scope_q(user, REPORT) | _pair_org_q(user)
    return Pair.objects.filter(q)


def pairs_writable_by(user: User) -> QuerySet[Pair]:
    return Pair.objects.filter(scope_q(user, MANAGE) | _pair_org_q(user))


def get_pair_for_user(user: User, pk: int | str, request: HttpRequest | None = None) -> Pair:
    qs = pairs_visible_to(user).select_related("region", "party_org")
    return get_in_scope(qs, pk, user=user, request=request)


def get_writable_pair(user: User, pk: int | str, request: HttpRequest | None = None) -> Pair:
    qs = pairs_writable_by(user).select_related("region", "party_org")
    return get_in_scope(qs, pk, user=user, request=request)


def get_pair_photo_for_user(user: User, token: str) -> PairVisitPhoto | None:
    """A visit's photo, for whoever may read its pair in full (it shows the household)."""
    photo = (
        PairVisitPhoto.objects.filter(token=str(token)[:32]).select_related("visit__pair").first()
    )
    if photo is None or not PersonalReach(user).sees(photo.visit.pair):
        return None
    if not pairs_visible_to(user).filter(pk=photo.visit.pair_id).exists():
        return None
    return photo


def pair_registrations(user: User) -> QuerySet[Registration]:
    """Approved registrations of co-building units a pair may be created under: the
    user's own organizations', and those in the communities the user manages."""
    org_ids, _ = _acting_ids(user)
    q = scope_q(user, MANAGE)
    if org_ids:
        q |= Q(party_org_id__in=org_ids)
    return Registration.objects.filter(
        q, status=RegStatus.APPROVED, party_org__isnull=False
    ).select_related("party_org", "region")


class PersonalReach:
    """Who may read a pair's household in full: the pair's unit, the community's staff."""

    def __init__(self, user: User) -> None:
        self.org_ids = set(_acting_ids(user)[0])
        self.community_ids = {
            g.region_id
            for g in grants_with_perm(user, MANAGE)
            if g.region_id and g.region.level == Region.Level.COMMUNITY
        }

    def sees(self, pair: Pair) -> bool:
        return pair.party_org_id in self.org_ids or pair.community_id in self.community_ids
