"""Separation of duties (QUALITY.md S10): which roles may share an account, and who
may act on whose credentials.

**Conflicts.** The three administrator duties — system (accounts), security
(grants, lockouts, second factors) and audit (the trail) — are mutually
exclusive, and none of them is combined with a business role (district
administrator, street staff, secretary, unit administrator, department
handler, member, merchant, recruiter). An account holds either business
roles, any number, or grants of one administrator duty only (on one or more
regions). `grant_add` refuses a conflicting grant with the user's row locked,
so concurrent grants cannot both pass; the database refuses it too (trigger
of migration 0004, the same rule written in SQL).

**Credential order.** Resetting a password, clearing a second factor or
deactivating an account works only on an account strictly *below* the
actor's own rank, so no administrator can take over a peer or a superior:

    3  security administrator, audit administrator   (they watch the others)
    2  system administrator
    1  district administrator
    0  every other role, and an account without grants

A system administrator thus resets district administrators and business
accounts, never a security or audit administrator nor another system
administrator; a district administrator resets business accounts below it
only. Rank-3 accounts (and rank-2 ones whose peers cannot reset them) are
recovered by the operator on the server (`lianjian resetpassword`), which
is audited like every reset.
"""

from __future__ import annotations

from collections.abc import Iterable

from lianjian.core.roles import Role

ADMIN_DUTIES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

RANKS: dict[str, int] = {
    Role.SECURITY_ADMIN: 3,
    Role.AUDIT_ADMIN: 3,
    Role.SYSTEM_ADMIN: 2,
    Role.DISTRICT_ADMIN: 1,
}


def conflicting(new_role: str, held: Iterable[str]) -> str | None:
    """The first held role that may not share an account with `new_role` (None: no conflict)."""
    for role in held:
        if role != new_role and (role in ADMIN_DUTIES or new_role in ADMIN_DUTIES):
            return role
    return None


def rank(roles: Iterable[str]) -> int:
    """The highest rank among `roles` (0 for none)."""
    return max((RANKS.get(r, 0) for r in roles), default=0)


def outranks(actor_roles: Iterable[str], target_roles: Iterable[str]) -> bool:
    """May an actor holding `actor_roles` act on the credentials of one holding `target_roles`."""
    return rank(actor_roles) > rank(target_roles)


def conflict_message(new_role: str, held: str) -> str:
    return (
        f"职责分离：该账户已拥有“{Role(held).label}”，不能再授予“{Role(new_role).label}”"
        "（系统、安全、审计管理员互斥，且不得兼任业务角色）"
    )
