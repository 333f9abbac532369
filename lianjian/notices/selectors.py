"""Who receives a notice, which notices a user sees, and the read receipts.

A notice addressed to a region reaches every account placed inside its
subtree (a grant on a region, organization or unit there, or a member record
there); organizations narrow it to their accounts; audience tokens
(`notices.audiences`: callables `user -> tokens`, e.g. an alliances app's
"alliance:<id>") widen it to their members wherever they are. A user sees
the live notices addressed to a region at or above their places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.core.permissions import user_grants
from lianjian.core.registry import extension
from lianjian.notices.models import Notice, NoticeAudience, NoticeRead
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Member, PartyOrg, Region

PUBLISH = "notices.publish"


def _member(user: User) -> Member | None:
    if not hasattr(user, "_lianjian_notice_member"):
        # memoised on the instance: one lookup per request
        cast("Any", user)._lianjian_notice_member = (
            Member.objects.filter(user_id=user.pk, is_active=True)
            .select_related("party_org__region", "residence_community")
            .first()
        )
    found: Member | None = getattr(user, "_lianjian_notice_member")  # noqa: B009
    return found


def places_of(user: User) -> list[Region]:
    """The regions the user's grants and member record place them in."""
    places: list[Region] = []
    for g in user_grants(user):
        if g.region_id:
            places.append(g.region)
        elif g.party_org_id:
            places.append(g.party_org.region)
        elif g.unit_id:
            places.append(g.unit.region)
    member = _member(user)
    if member is not None:
        places.append(member.party_org.region)
        if member.residence_community is not None:
            places.append(member.residence_community)
    return places


def orgs_of(user: User) -> set[int]:
    ids = {g.party_org_id for g in user_grants(user) if g.party_org_id}
    member = _member(user)
    if member is not None:
        ids.add(member.party_org_id)
    return ids


def _units_of(user: User) -> set[int]:
    ids = {g.unit_id for g in user_grants(user) if g.unit_id}
    member = _member(user)
    if member is not None and member.workplace_unit_id:
        ids.add(member.workplace_unit_id)
    return ids


def audience_tokens(user: User) -> set[str]:
    """The audience tokens the user belongs to. An item of `notices.audiences` is either a
    callable `user -> tokens` or a source with `key` and `units(id) -> unit ids` (alliances'
    `AudienceSource`): its tokens "<key>:<id>" on notices reach the accounts of those units."""
    tokens: set[str] = set()
    units: set[int] | None = None
    for item in extension("notices.audiences"):
        if callable(item):
            tokens.update(str(t) for t in item(user))
            continue
        units = _units_of(user) if units is None else units
        if not units:
            continue
        prefix = f"{item.key}:"
        used = NoticeAudience.objects.filter(token__startswith=prefix).values_list(
            "token", flat=True
        )
        for token in set(used):
            ident = token.removeprefix(prefix)
            if ident.isdigit() and units & set(item.units(int(ident))):
                tokens.add(token)
    return tokens


def _live(now: Any = None) -> QuerySet[Notice]:
    now = now or timezone.now()
    return Notice.objects.filter(status=Notice.Status.PUBLISHED, publish_at__lte=now).filter(
        Q(expire_at__isnull=True) | Q(expire_at__gt=now)
    )


def _addressed_q(user: User) -> Q:
    region_ids: set[int] = set()
    for place in places_of(user):
        region_ids.add(place.pk)
        region_ids.update(v for v in place.ancestor_ids().values() if v)
    org_ids = orgs_of(user)
    narrowed = Notice.orgs.through.objects.filter(notice_id=OuterRef("pk"))
    q = Q(region_id__in=region_ids) & (
        ~Exists(narrowed) | Exists(narrowed.filter(partyorg_id__in=org_ids))
    )
    tokens = audience_tokens(user)
    if tokens:
        q |= Q(audiences__token__in=tokens)
    return q


def notices_for(user: User, *, unread: bool = False) -> QuerySet[Notice]:
    """The live notices addressed to the user, pinned first, with `is_read`."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    read = NoticeRead.objects.filter(notice_id=OuterRef("pk"), user_id=user.pk)
    ids = _live().filter(_addressed_q(user)).values("pk")
    qs = Notice.objects.filter(pk__in=ids).annotate(is_read=Exists(read))
    if unread:
        qs = qs.filter(is_read=False)
    return qs.select_related("region", "publisher").order_by("-pinned", "-publish_at", "-id")


def notices_managed_by(user: User) -> QuerySet[Notice]:
    """Every notice (any status) the user may pin, withdraw and read receipts of."""
    return (
        Notice.objects.filter(Q(publisher_id=user.pk) | scope_q(user, PUBLISH))
        .select_related("region", "publisher")
        .order_by("-pinned", "-publish_at", "-id")
    )


def may_manage(user: User, notice: Notice) -> bool:
    return notices_managed_by(user).filter(pk=notice.pk).exists()


def recipients_of(notice: Notice) -> QuerySet[User]:
    # the stored path, not the instance's: a region object may predate its siblings' inserts
    path = Region.objects.values_list("path", flat=True).get(pk=notice.region_id)
    subtree = Region.objects.filter(path__startswith=path).values("pk")
    q = (
        Q(grants__region__in=subtree)
        | Q(grants__party_org__region__in=subtree)
        | Q(grants__unit__region__in=subtree)
        | Q(member_profile__party_org__region__in=subtree)
    )
    org_ids = list(notice.orgs.values_list("pk", flat=True))
    if org_ids:
        q = Q(grants__party_org__in=org_ids) | Q(member_profile__party_org__in=org_ids)
    ids = User.objects.filter(q, is_active=True).values("pk")
    return User.objects.filter(pk__in=ids)


@dataclass
class OrgReceipt:
    name: str
    recipients: int
    read: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.read / self.recipients, 1) if self.recipients else None


OTHER = "区域工作人员（未关联党组织）"


def receipts(notice: Notice) -> tuple[list[OrgReceipt], int, int]:
    """The share read per organization of the recipients, and the totals (recipients, read)."""
    rows = recipients_of(notice).values_list(
        "pk", "grants__party_org_id", "member_profile__party_org_id"
    )
    org_of: dict[int, int | None] = {}
    for pk, grant_org, member_org in rows:
        if org_of.get(pk) is None:
            org_of[pk] = grant_org or member_org
    read = set(NoticeRead.objects.filter(notice=notice).values_list("user_id", flat=True))
    names = dict(
        PartyOrg.objects.filter(pk__in={o for o in org_of.values() if o}).values_list("pk", "name")
    )
    groups: dict[str, OrgReceipt] = {}
    for pk, org in org_of.items():
        name = names.get(org, OTHER) if org else OTHER
        row = groups.setdefault(name, OrgReceipt(name, 0, 0))
        row.recipients += 1
        row.read += pk in read
    ordered = sorted(groups.values(), key=lambda r: (r.name == OTHER, -(r.rate or 0), r.name))
    return ordered, len(org_of), len(read & set(org_of))


def notice_for_user(user: User, pk: int) -> Notice | None:
    """A notice the user receives or manages (None: 404 for the caller)."""
    found = notices_for(user).filter(pk=pk).first()
    if found is None:
        found = notices_managed_by(user).filter(pk=pk).first()
    return found
