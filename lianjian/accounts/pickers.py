"""Pickers of the account pages (`lianjian.core.pickers`): where a grant may point and
which region a new account belongs to, inside the administrator's own subtrees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lianjian.accounts import selectors
from lianjian.accounts.departments import departments_matching
from lianjian.core.pickers import Choice, Picker
from lianjian.orgs.pickers import party_orgs_matching, regions_matching

if TYPE_CHECKING:
    from lianjian.accounts.models import User

GRANTS = "accounts.manage_grants"
USERS = "accounts.manage_users"


def _regions(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return regions_matching(selectors.admin_regions(user, perm), text)


def _party_orgs(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return party_orgs_matching(selectors.grantable_party_orgs(user, perm), text)


def _departments(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    regions = selectors.admin_regions(user, perm)
    return [
        Choice(key, name, f"{street}，编码 {key}")
        for key, name, street in departments_matching(regions, text)
    ]


PICKERS = [
    Picker("accounts.region", (GRANTS, USERS), _regions),
    Picker("accounts.party_org", (GRANTS,), _party_orgs),
    Picker("accounts.department", (GRANTS,), _departments),
]
