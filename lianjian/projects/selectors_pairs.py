"""Reads of 帮扶对子: the scoped, filtered list with each pair's visits and value, and one
pair's page (the household masked for whoever may not read it, see `access.PersonalReach`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from lianjian.core.masking import mask
from lianjian.projects import access
from lianjian.projects.models import Pair, PairVisit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

STATES = (("active", "帮扶中"), ("ended", "已结束"))
NOTE_HIDDEN = "******（仅结对单位和所在社区可见）"


def with_totals(qs: QuerySet[Pair]) -> QuerySet[Pair]:
    return qs.annotate(
        visit_count=Count("visits"),
        visit_value=Coalesce(
            Sum("visits__value"), Value(Decimal("0")), output_field=DecimalField()
        ),
    )


def pairs_filtered(user: User, filters: Mapping[str, object]) -> QuerySet[Pair]:
    """The pairs the user sees, by community and state; `ValueError` for a bad filter."""
    qs = access.pairs_visible_to(user).select_related("region", "party_org")
    community = filters.get("community")
    if community not in (None, ""):
        try:
            qs = qs.filter(community_id=int(str(community)))
        except ValueError:
            raise ValueError("社区无效") from None
    state = str(filters.get("state") or "")
    if state == "active":
        qs = qs.filter(ended_on__isnull=True)
    elif state == "ended":
        qs = qs.filter(ended_on__isnull=False)
    elif state:
        raise ValueError("状态无效")
    return with_totals(qs).order_by("-id")


@dataclass
class Household:
    name: str
    note: str
    full: bool


def household(reach: access.PersonalReach, pair: Pair) -> Household:
    if reach.sees(pair):
        return Household(pair.household_name, pair.household_note, True)
    note = NOTE_HIDDEN if pair.household_note else ""
    return Household(mask(pair.household_name, "name"), note, False)


def pair_detail(user: User, pair: Pair) -> tuple[Pair, list[PairVisit]]:
    """The pair with its totals, and its visits in order."""
    full = with_totals(Pair.objects.filter(pk=pair.pk).select_related("region", "party_org")).get()
    return full, list(full.visits.prefetch_related("photos").order_by("visited_on", "id"))
