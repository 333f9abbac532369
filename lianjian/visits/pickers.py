"""Pickers of the visit forms (`lianjian.core.pickers`): units, organizations, cadres
where the user may record visits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lianjian.core.pickers import LIMIT, Choice, Picker
from lianjian.orgs.access import party_orgs_visible_to
from lianjian.orgs.pickers import party_orgs_matching, units_matching
from lianjian.visits import access, selectors

if TYPE_CHECKING:
    from lianjian.accounts.models import User

RECORD = "visits.record"


def _units(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return units_matching(selectors.unit_choices_for_record(user), text)


def _party_orgs(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return party_orgs_matching(party_orgs_visible_to(user, RECORD), text)


def _cadres(user: User, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    qs = access.cadres_visible_to(user, RECORD).filter(is_active=True)
    if text:
        qs = qs.filter(name__icontains=text)
    rows = qs.order_by("name", "id").values_list("pk", "name")[: LIMIT + 1]
    return [Choice(str(pk), name) for pk, name in rows]


PICKERS = [
    Picker("visits.unit", (RECORD,), _units),
    Picker("visits.party_org", (RECORD,), _party_orgs),
    Picker("visits.cadre", (RECORD,), _cadres),
]
