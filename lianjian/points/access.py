"""Who sees what in points (the scope chokepoint for the ledger, cards and shops).

Staff see rows located in their region grants (`orgs.access.scope_q`); a member
sees their own ledger and card; a merchant sees their own shop (the one whose
`keeper` they are) and the redemptions recorded there, nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Member
from lianjian.points.models import (
    Agreement,
    Card,
    Certification,
    Entry,
    Merchant,
    Redemption,
    Rule,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

OWN = "points.own"
REDEEM = "points.redeem"
MANAGE = "points.manage"
CERTIFY = "points.certify"
REPORT = "points.report"


def member_of(user: User) -> Member | None:
    if not getattr(user, "is_authenticated", False) or not grants_with_perm(user, OWN):
        return None
    return Member.objects.filter(user_id=user.pk, is_active=True).first()


def merchant_of(user: User) -> Merchant | None:
    """The merchant persona's own shop (the first, if they keep several)."""
    if not getattr(user, "is_authenticated", False) or not grants_with_perm(user, REDEEM):
        return None
    return Merchant.objects.filter(keeper_id=user.pk).order_by("pk").first()


def rules_for(user: User, perm: str = REPORT) -> QuerySet[Rule]:
    return Rule.objects.filter(scope_q(user, perm))


def entries_for(user: User, perm: str = REPORT) -> QuerySet[Entry]:
    return Entry.objects.filter(scope_q(user, perm))


def cards_for(user: User, perm: str = REPORT) -> QuerySet[Card]:
    return Card.objects.filter(scope_q(user, perm))


def certifications_for(user: User, perm: str = REPORT) -> QuerySet[Certification]:
    return Certification.objects.filter(scope_q(user, perm))


def merchants_for(user: User, perm: str = REPORT) -> QuerySet[Merchant]:
    return Merchant.objects.filter(scope_q(user, perm))


def agreements_for(user: User, perm: str = REPORT) -> QuerySet[Agreement]:
    return Agreement.objects.filter(scope_q(user, perm))


def redemptions_for(user: User, perm: str = REPORT) -> QuerySet[Redemption]:
    return Redemption.objects.filter(scope_q(user, perm))


def members_for(user: User, perm: str = CERTIFY) -> QuerySet[Member]:
    return Member.objects.filter(scope_q(user, perm), is_active=True)
