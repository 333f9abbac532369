"""What each item and claim adds to the community report: the rules, once.

The community report sums `DayTally` rows (one per community, platform day
and programme) over the period's days. A row's contribution is a pure
function of the row here; the services move the tallies by the difference a
transition makes (`services_tally`), and the rebuild and the backfill
migration sum the same contributions over the rows. The row-based report
(`selectors.community_report_rows`) states the same figures as filters over
the rows, for the tests and the benchmark to check the tallies against.

A day is the platform's (`timezone.localtime`, Asia/Shanghai): a claim
confirmed at 23:30 on 31 March counts in March, at 00:30 on 1 April in April.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from django.utils import timezone

from lianjian.core.tallies import Contribution, Key, contribution_add
from lianjian.projects.models import ClaimStatus, ItemStatus, Kind

# the tally row's key: the scope's ancestor ids (0 for none), the programme, the day
TALLY_KEY = ("district_id", "street_id", "community_id", "area_id", "programme", "day")
# what the report shows, per community and in total (value in fen: integer sums are exact)
TALLY_FIGURES = (
    "published",
    "claimed",
    "delivered",
    "confirmed",
    "on_time",
    "value_fen",
    "people",
    "problems_solved",
    "pairs",
)
# the columns the rules read (for `values_list(..., named=True)` in rebuilds)
PLACE_FIELDS = ("district_id", "street_id", "community_id", "area_id")
ITEM_FIELDS = (
    *PLACE_FIELDS,
    "programme",
    "kind",
    "status",
    "published_at",
    "confirmed_at",
    "helped_at",
    "people_helped",
)
CLAIM_FIELDS = (
    *PLACE_FIELDS,
    "status",
    "created_at",
    "delivered_at",
    "confirmed_at",
    "on_time",
    "delivered_value",
)


class Placed(Protocol):
    @property
    def district_id(self) -> int | None: ...
    @property
    def street_id(self) -> int | None: ...
    @property
    def community_id(self) -> int | None: ...
    @property
    def area_id(self) -> int | None: ...


class ItemFacts(Placed, Protocol):
    """What the rules read of an item (an `Item`, or a row of ITEM_FIELDS)."""

    @property
    def programme(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def published_at(self) -> dt.datetime | None: ...
    @property
    def confirmed_at(self) -> dt.datetime | None: ...
    @property
    def helped_at(self) -> dt.datetime | None: ...
    @property
    def people_helped(self) -> int: ...


class ClaimFacts(Placed, Protocol):
    """What the rules read of a claim (a `Claim`, or a row of CLAIM_FIELDS)."""

    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def delivered_at(self) -> dt.datetime | None: ...
    @property
    def confirmed_at(self) -> dt.datetime | None: ...
    @property
    def on_time(self) -> bool | None: ...
    @property
    def delivered_value(self) -> Decimal: ...


def day_of(moment: dt.datetime) -> dt.date:
    """The platform day a moment falls on."""
    return timezone.localtime(moment).date()


def fen(value: Decimal | int | str) -> int:
    """Yuan (two decimals) as whole fen."""
    return int((Decimal(value) * 100).to_integral_value())


def yuan(value_fen: int) -> Decimal:
    return (Decimal(value_fen) / 100).quantize(Decimal("0.01"))


class _Builder:
    def __init__(self, row: Placed, programme: str) -> None:
        self.place = tuple(getattr(row, name) or 0 for name in PLACE_FIELDS)
        self.programme = programme or ""
        self.out: dict[Key, dict[str, int]] = {}

    def add(self, moment: dt.datetime, **figures: int) -> None:
        key = (*self.place, self.programme, day_of(moment))
        contribution_add(self.out, {key: figures})


def item_figures(item: ItemFacts) -> Contribution:
    """An item's figures: published on the day it was first published; a hard problem
    solved on the day it was confirmed; its people helped once, on the day of its first
    confirmed delivery (`Item.helped_at`)."""
    b = _Builder(item, item.programme)
    if item.published_at is not None:
        b.add(item.published_at, published=1)
    if (
        item.kind == Kind.PROBLEM
        and item.status == ItemStatus.CONFIRMED
        and item.confirmed_at is not None
    ):
        b.add(item.confirmed_at, problems_solved=1)
    if item.helped_at is not None and item.people_helped:
        b.add(item.helped_at, people=item.people_helped)
    return b.out


def claim_figures(claim: ClaimFacts, programme: str) -> Contribution:
    """A claim's figures (`programme` is its item's): claimed on its day unless withdrawn;
    delivered on the day of the delivery it reported (none once returned); once the
    community confirmed it, confirmed, on time, its value and, for a programme's item, a
    pair (帮扶对子) on the day of the confirmation."""
    b = _Builder(claim, programme)
    if claim.status != ClaimStatus.WITHDRAWN:
        b.add(claim.created_at, claimed=1)
    if claim.delivered_at is not None:
        b.add(claim.delivered_at, delivered=1)
    if claim.status == ClaimStatus.CONFIRMED and claim.confirmed_at is not None:
        b.add(
            claim.confirmed_at,
            confirmed=1,
            on_time=int(claim.on_time is True),
            value_fen=fen(claim.delivered_value),
            pairs=int(bool(programme)),
        )
    return b.out


class ClaimRow(ClaimFacts, Protocol):
    @property
    def item__programme(self) -> str: ...


def tally_totals(
    items: Iterable[ItemFacts], claims: Iterable[ClaimRow]
) -> dict[Key, dict[str, int]]:
    """Every tally row's figures from the rows (claims with their item's programme)."""
    totals: dict[Key, dict[str, int]] = {}
    for item in items:
        contribution_add(totals, item_figures(item))
    for claim in claims:
        contribution_add(totals, claim_figures(claim, claim.item__programme))
    return totals
