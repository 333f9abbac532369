"""Pickers of the points desk (`lianjian.core.pickers`): the unit joining the red alliance,
the merchant and the community Party organization of an agreement, the member adjusted.

Each searches inside the scope of the permission its form is for, so what a picker
offers is exactly what the form behind it (`points.forms`) accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from lianjian.core.pickers import LIMIT, Choice, Picker
from lianjian.orgs.access import party_orgs_visible_to, units_visible_to
from lianjian.orgs.models import PartyOrg, Unit
from lianjian.orgs.pickers import party_orgs_matching, units_matching
from lianjian.points import access
from lianjian.points.models import Merchant
from lianjian.points.services_shops import MERCHANT_KINDS

if TYPE_CHECKING:
    from lianjian.accounts.models import User

SIGN_PERMS = (access.MANAGE, access.CERTIFY)


def joinable_units(user: User) -> QuerySet[Unit]:
    """Businesses in the user's street scope that are not yet in the red alliance."""
    return (
        units_visible_to(user, access.MANAGE)
        .filter(kind__in=MERCHANT_KINDS, is_active=True)
        .exclude(pk__in=Merchant.objects.values("unit_id"))
    )


def signable_merchants(user: User) -> QuerySet[Merchant]:
    return access.merchants_for(user, access.REPORT).filter(left_on__isnull=True)


def signing_perm(user: User) -> str:
    """The street's staff sign for their street's communities; a secretary for their own."""
    if party_orgs_visible_to(user, access.MANAGE).filter(community__isnull=False).exists():
        return access.MANAGE
    return access.CERTIFY


def community_orgs(user: User, perm: str | None = None) -> QuerySet[PartyOrg]:
    """Community Party organizations that may sign a development agreement."""
    return party_orgs_visible_to(user, perm or signing_perm(user)).filter(
        community__isnull=False, is_active=True
    )


def _units(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return units_matching(joinable_units(user), text)


def _merchants(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    qs = signable_merchants(user)
    if text:
        qs = qs.filter(shop_name__icontains=text)
    rows = qs.order_by("shop_name", "id").values_list("pk", "shop_name", "shop_address")
    return [Choice(str(pk), name, address) for pk, name, address in rows[: LIMIT + 1]]


def _party_orgs(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return party_orgs_matching(community_orgs(user, perm), text)


def _members(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    # by name only, as `orgs.member`: numbers go through the member list's audited search
    if not text or any(ch.isdigit() for ch in text):
        return []
    qs = access.members_for(user, perm).filter(name__icontains=text)
    rows = qs.order_by("name", "id").values_list("pk", "name", "party_org__name")
    return [Choice(str(pk), name, org) for pk, name, org in rows[: LIMIT + 1]]


PICKERS = [
    Picker("points.unit", (access.MANAGE,), _units),
    Picker("points.merchant", SIGN_PERMS, _merchants),
    Picker("points.party_org", SIGN_PERMS, _party_orgs),
    Picker("points.member", (access.CERTIFY,), _members),
]
