"""Scoped reads for account administration.

An administrator sees the accounts that belong to (home region) or hold a
grant inside the region subtrees of their own `accounts.*` grants — a
department grant counts where its department lies (`departments`) — and
may grant roles only inside those subtrees (S8, S10). An account placed
nowhere (no home region, no grant: made on the command line) is shown to
the administrators of a whole tree (a grant on a root region), so no
account ever disappears from every administrator's pages.
"""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from lianjian.accounts.departments import department_grants_in, department_region_id
from lianjian.accounts.models import Grant, User
from lianjian.core.permissions import grants_with_perm, user_has_perm
from lianjian.orgs.models import PartyOrg, Region

NOTHING = Q(pk__in=[])
ADMIN_PERMS = ("accounts.manage_users", "accounts.manage_grants", "accounts.unlock")


def admin_regions(actor: User, perm: str) -> QuerySet[Region]:
    """Every region in the subtrees of the actor's region grants carrying `perm`."""
    q = NOTHING
    for grant in grants_with_perm(actor, perm):
        if grant.region_id:
            q |= Q(path__startswith=grant.region.path)
    return Region.objects.filter(q)


def _covers_a_root(actor: User, perm: str) -> bool:
    return any(g.region_id and g.region.depth == 1 for g in grants_with_perm(actor, perm))


def users_visible_to(actor: User, perm: str) -> QuerySet[User]:
    regions = admin_regions(actor, perm)
    region_ids = regions.values("pk")
    q = (
        Q(home_region__in=region_ids)
        | Q(grants__region__in=region_ids)
        | Q(grants__party_org__region__in=region_ids)
        | Q(grants__unit__region__in=region_ids)
        | department_grants_in(regions, prefix="grants__")
    )
    if _covers_a_root(actor, perm):
        q |= Q(home_region__isnull=True, grants__isnull=True)
    matching = User.objects.filter(q).values("pk")
    return User.objects.filter(pk__in=matching).order_by("username")


def department_in_actor_scope(actor: User, key: str, perm: str = "accounts.manage_grants") -> bool:
    """Does the department `key` lie in the actor's subtrees (False for an unknown key)."""
    region_id = department_region_id(key)
    return region_id is not None and admin_regions(actor, perm).filter(pk=region_id).exists()


def _lock_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)


def locked_usernames(usernames: list[str] | None = None) -> set[str]:
    """Folded usernames under a django-axes lockout now (of `usernames`, or all)."""
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=_lock_cutoff()
    )
    if usernames is not None:
        attempts = attempts.filter(username__in=[u.lower() for u in usernames])
    return set(attempts.values_list("username", flat=True))


def _locked_q(locked: str) -> Q:
    names = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=_lock_cutoff()
    ).values("username")
    q = Q(username_folded__in=names)
    return q if locked == "1" else ~q


PASSWORD_WARNING_DAYS = 14


def password_expiring_q() -> Q | None:
    """Active accounts whose password expires within two weeks (or has expired); None
    when the preset does not rotate passwords."""
    from lianjian.accounts.passwords import current_preset

    days = current_preset().expiry_days
    if not days:
        return None
    cutoff = timezone.now() - dt.timedelta(days=days - PASSWORD_WARNING_DAYS)
    return Q(is_active=True, password_changed_at__lt=cutoff)


def users_for_admin(
    actor: User, *, q: str = "", active: str = "", locked: str = "", expiring: str = ""
) -> QuerySet[User]:
    """Accounts reached by any of the actor's admin duties, optionally filtered.

    `locked` ("1" locked now, "0" not) is for the holders of `accounts.unlock`.
    """
    scope = NOTHING
    for perm in ADMIN_PERMS:
        if user_has_perm(actor, perm):
            scope |= Q(pk__in=users_visible_to(actor, perm).values("pk"))
    users = User.objects.filter(scope)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if active in {"0", "1"}:
        users = users.filter(is_active=active == "1")
    if locked in {"0", "1"} and user_has_perm(actor, "accounts.unlock"):
        users = users.annotate(username_folded=Lower("username")).filter(_locked_q(locked))
    if expiring == "1":
        users = users.filter(password_expiring_q() or NOTHING)
    return users.order_by("username")


def grantable_party_orgs(actor: User, perm: str = "accounts.manage_grants") -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(region__in=admin_regions(actor, perm).values("pk"))


def grant_in_actor_scope(actor: User, grant: Grant, perm: str = "accounts.manage_grants") -> bool:
    """May `actor` revoke this grant: its target lies inside the actor's subtrees."""
    regions = admin_regions(actor, perm)
    if grant.region_id:
        return regions.filter(pk=grant.region_id).exists()
    if grant.party_org is not None:
        return regions.filter(pk=grant.party_org.region_id).exists()
    if grant.unit is not None:
        return regions.filter(pk=grant.unit.region_id).exists()
    return department_in_actor_scope(actor, grant.department_key, perm)


def user_grants_listed(user: User) -> list[Grant]:
    return list(
        user.grants.select_related("region", "party_org", "unit").order_by("role", "created_at")
    )
