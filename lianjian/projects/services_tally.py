"""The community report's write model: `DayTally` rows moved with each transition.

Every service that changes a report figure of an item or a claim calls
`item_tallied` / `claim_tallied` with the row's contribution before the change
(`tally.item_figures`, `tally.claim_figures`), in the transition's
transaction, after the row locks and before the audit head (so two
transitions never lock a tally row and the head crosswise). The rebuilds
repair data written around the services (the demo's bulk rows, bench seeding).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction

from lianjian.core.tallies import Contribution, contribution_deltas, tally_apply
from lianjian.projects.models import Claim, DayTally, Item
from lianjian.projects.tally import (
    CLAIM_FIELDS,
    ITEM_FIELDS,
    TALLY_KEY,
    ClaimRow,
    ItemFacts,
    claim_figures,
    item_figures,
    tally_totals,
)


def tally_move(old: Contribution | None, new: Contribution | None) -> None:
    tally_apply(DayTally, TALLY_KEY, contribution_deltas(old, new))


def item_tallied(before: Contribution | None, item: Item) -> None:
    """The item was saved: move the tallies from `before` to what it adds now."""
    tally_move(before, item_figures(item))


def claim_tallied(before: Contribution | None, claim: Claim, programme: str) -> None:
    """The claim was saved (`programme`: its item's): move the tallies accordingly."""
    tally_move(before, claim_figures(claim, programme))


def stored_claim_figures(claim_id: int) -> tuple[Contribution, str]:
    """A claim's contribution as stored (before the caller saves its changes), and its
    item's programme."""
    row = (
        Claim.objects.filter(pk=claim_id)
        .values_list(*CLAIM_FIELDS, "item__programme", named=True)
        .get()
    )
    return claim_figures(row, row.item__programme), row.item__programme


def _rows(item_ids: list[int] | None) -> tuple[Iterator[ItemFacts], Iterator[ClaimRow]]:
    items = Item.objects.all()
    claims = Claim.objects.all()
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
        claims = claims.filter(item_id__in=item_ids)
    return (
        items.order_by().values_list(*ITEM_FIELDS, named=True).iterator(chunk_size=5000),
        claims.order_by()
        .values_list(*CLAIM_FIELDS, "item__programme", named=True)
        .iterator(chunk_size=5000),
    )


@transaction.atomic
def tally_add_rows(item_ids: Iterable[int]) -> None:
    """Add items written around the services (with their claims) to the tallies."""
    items, claims = _rows(list(item_ids))
    totals = tally_totals(items, claims)
    tally_move(None, totals)


@transaction.atomic
def tally_rebuild() -> int:
    """Every tally row again from the items and claims; returns how many rows."""
    DayTally.objects.all().delete()
    items, claims = _rows(None)
    totals = tally_totals(items, claims)
    DayTally.objects.bulk_create(
        [
            DayTally(**dict(zip(TALLY_KEY, key, strict=True)), **figures)
            for key, figures in totals.items()
        ],
        batch_size=2000,
    )
    return len(totals)
