"""Reads: lists for staff and claimants, and the statistics (always scoped).

The reports count what was *delivered*: a claim counts once the community
confirmed it (its value in yuan, on time or not); people helped are the
items' figures, each person counted once however many claimants helped, in the
period of the item's first confirmed delivery (`Item.helped_at`).
Rankings order by confirmed value, then people helped, never by claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Aggregate, Count, F, Model, Q, QuerySet, Sum
from django.utils import timezone

from lianjian.core.permissions import grants_with_perm
from lianjian.core.rates import percent
from lianjian.orgs.access import NOTHING, scope_q
from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.projects import access
from lianjian.projects.models import (
    OPEN_CLAIM_STATUSES,
    OPEN_ITEM_STATUSES,
    Claim,
    ClaimStatus,
    DayTally,
    Item,
    ItemStatus,
    Kind,
    Registration,
    RegStatus,
)
from lianjian.projects.tally import TALLY_FIGURES, yuan

if TYPE_CHECKING:
    from lianjian.accounts.models import User

REPORT = "projects.report"
M = TypeVar("M", bound=Model)
# `fill(add)`: `add(queryset, figure=aggregate, ...)` sums per community into the rows
Add = Callable[..., None]


def period(params: Mapping[str, object]) -> tuple[dt.date, dt.date]:
    """The report's period: `start`/`end` (YYYY-MM-DD), the current year by default."""
    today = timezone.localdate()

    def parse(key: str, default: dt.date) -> dt.date:
        raw = params.get(key)
        if raw in (None, ""):
            return default
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw)[:10])
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None

    start = parse("start", dt.date(today.year, 1, 1))
    end = parse("end", dt.date(today.year, 12, 31))
    if end < start:
        raise ValueError("截止日期不能早于起始日期")
    if (end - start).days > 3660:
        raise ValueError("统计期不能超过十年")
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


# ---------------------------------------------------------------- lists


def items_filtered(user: User, filters: Mapping[str, object]) -> QuerySet[Item]:
    qs = access.items_managed_by(user).select_related("region")
    status = str(filters.get("status") or "")
    if status:
        if status not in ItemStatus.values:
            raise ValueError("状态无效")
        qs = qs.filter(status=status)
    kind = str(filters.get("kind") or "")
    if kind:
        if kind not in Kind.values:
            raise ValueError("类别无效")
        qs = qs.filter(kind=kind)
    community = filters.get("community")
    if community not in (None, ""):
        try:
            qs = qs.filter(community_id=int(str(community)))
        except ValueError:
            raise ValueError("社区无效") from None
    q = str(filters.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-id")


def open_items_for_claimant(user: User) -> QuerySet[Item]:
    """Published items with a slot left, in the communities where the user is registered."""
    return (
        Item.objects.filter(
            community_id__in=access.approved_communities(user),
            status__in=OPEN_ITEM_STATUSES,
            claimed_count__lt=F("capacity"),
        )
        .select_related("region")
        .order_by("-id")
    )


def my_open_claims(user: User) -> QuerySet[Claim]:
    return access.claims_acting_for(user).filter(status__in=OPEN_CLAIM_STATUSES)


def my_claims(user: User) -> QuerySet[Claim]:
    return access.claims_acting_for(user).select_related("item", "party_org", "member")


def claims_to_confirm(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(scope_q(user, access.MANAGE), status=ClaimStatus.DELIVERED)


def registrations_pending(user: User) -> QuerySet[Registration]:
    return Registration.objects.filter(scope_q(user, access.MANAGE), status=RegStatus.PENDING)


def registrations_filtered(user: User, status: str = "") -> QuerySet[Registration]:
    qs = Registration.objects.filter(scope_q(user, access.MANAGE)).select_related(
        "party_org", "member", "region"
    )
    if status:
        if status not in RegStatus.values:
            raise ValueError("状态无效")
        qs = qs.filter(status=status)
    return qs.order_by("-id")


# ---------------------------------------------------------------- reports


def report_communities(
    user: User, region: Region | None = None, perm: str = REPORT
) -> QuerySet[Region]:
    """Communities the user's grants of `perm` reach (optionally inside `region`)."""
    q = NOTHING
    for grant in grants_with_perm(user, perm):
        if grant.region_id:
            r = grant.region
            q |= Q(pk=r.pk) | Q(street_ref_id=r.pk) | Q(district_ref_id=r.pk)
    qs = Region.objects.filter(q, level=Region.Level.COMMUNITY)
    if region is not None:
        qs = qs.filter(Q(pk=region.pk) | Q(street_ref_id=region.pk) | Q(district_ref_id=region.pk))
    return qs.order_by("path")


@dataclass
class Row:
    key: int
    name: str
    published: int = 0
    claimed: int = 0
    delivered: int = 0
    confirmed: int = 0
    on_time: int = 0
    value: Decimal = Decimal("0")
    people: int = 0
    problems_solved: int = 0
    # pairs: claims of programme items that were confirmed (帮扶对子)
    pairs: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Percent with one decimal (`core.rates`), None before any confirmation."""
        return percent(self.on_time, self.confirmed)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(0, "合计"))


def _scoped(user: User, qs: QuerySet[M], region: Region | None) -> QuerySet[M]:
    qs = qs.filter(scope_q(user, REPORT))
    if region is not None:
        qs = qs.filter(
            Q(community_id=region.pk) | Q(street_id=region.pk) | Q(district_id=region.pk)
        )
    return qs


REPORT_FIGURES = (
    "published",
    "claimed",
    "delivered",
    "confirmed",
    "on_time",
    "value",
    "people",
    "problems_solved",
    "pairs",
)


def _report(
    user: User,
    start: dt.date,
    end: dt.date,
    region: Region | None,
    fill: Callable[[Add], None],
    value_in_fen: bool = False,
) -> Report:
    """The report's rows (the communities in scope) filled by `fill`, and their total
    (`value_in_fen`: `fill` sums the value in fen, turned into yuan at the end)."""
    rows = {c.pk: Row(c.pk, c.name) for c in report_communities(user, region).only("pk", "name")}

    def add(qs: QuerySet[M], **aggs: Aggregate) -> None:
        for rec in qs.values("community_id").annotate(**aggs).order_by():
            row = rows.get(rec.pop("community_id"))
            if row is None:
                continue
            for k, v in rec.items():
                setattr(row, k, v or getattr(row, k))

    fill(add)
    report = Report(start, end, list(rows.values()))
    total = report.total
    for row in report.rows:
        for name in REPORT_FIGURES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    if value_in_fen:
        for row in (*report.rows, total):
            row.value = yuan(int(row.value))
    return report


def community_report(
    user: User,
    start: dt.date,
    end: dt.date,
    *,
    region: Region | None = None,
    programme: str = "",
) -> Report:
    """Per community of the user's scope: published, claimed, delivered, confirmed,
    on time, value and people helped in the period, and hard problems solved.

    One statement over the tally rows kept at write time (`DayTally`, one per
    community, day and programme; the rules in `tally.py`): the period's days of
    the scope's communities, summed. Drill-down lists read the rows themselves.
    """
    tallies = _scoped(user, DayTally.objects.filter(day__gte=start, day__lte=end), region)
    if programme:
        tallies = tallies.filter(programme=programme)

    def fill(add: Add) -> None:
        sums = {name: Sum(name) for name in TALLY_FIGURES if name != "value_fen"}
        add(tallies, value=Sum("value_fen"), **sums)

    return _report(user, start, end, region, fill, value_in_fen=True)


def community_report_rows(
    user: User,
    start: dt.date,
    end: dt.date,
    *,
    region: Region | None = None,
    programme: str = "",
) -> Report:
    """`community_report` computed from the items and claims themselves.

    The same figures as filters over the rows: the tests check the tallies against
    it after random transitions, the benchmark before it times them.
    """
    lo, hi = _bounds(start, end)
    items = _scoped(user, Item.objects.all(), region)
    claims = _scoped(user, Claim.objects.all(), region)
    if programme:
        items = items.filter(programme=programme)
        claims = claims.filter(item__programme=programme)

    def fill(add: Add) -> None:
        # three statements, two of them one pass over the scope's slice of a covering
        # index (PostgreSQL: index-only scans, see the models' *_report_idx): the claims'
        # figures together, the items' together (people helped among them), the pairs'
        created = Q(created_at__gte=lo, created_at__lt=hi)
        delivered = Q(delivered_at__gte=lo, delivered_at__lt=hi)
        confirmed_q = Q(status=ClaimStatus.CONFIRMED, confirmed_at__gte=lo, confirmed_at__lt=hi)
        add(
            claims.filter(created | delivered | Q(confirmed_at__gte=lo, confirmed_at__lt=hi)),
            claimed=Count("pk", filter=created & ~Q(status=ClaimStatus.WITHDRAWN)),
            delivered=Count("pk", filter=delivered),
            confirmed=Count("pk", filter=confirmed_q),
            on_time=Count("pk", filter=confirmed_q & Q(on_time=True)),
            value=Sum("delivered_value", filter=confirmed_q),
        )
        published = Q(published_at__gte=lo, published_at__lt=hi)
        solved = Q(
            kind=Kind.PROBLEM,
            status=ItemStatus.CONFIRMED,
            confirmed_at__gte=lo,
            confirmed_at__lt=hi,
        )
        # people helped: each item's once, in the period of its first confirmed delivery
        helped = Q(helped_at__gte=lo, helped_at__lt=hi)
        add(
            items.filter(published | solved | helped),
            published=Count("pk", filter=published),
            problems_solved=Count("pk", filter=solved),
            people=Sum("people_helped", filter=helped),
        )
        # programme items are few (a partial index holds them): join from their side
        add(claims.filter(confirmed_q, item__programme__gt=""), pairs=Count("pk"))

    return _report(user, start, end, region, fill)


def unit_report(
    user: User, start: dt.date, end: dt.date, *, region: Region | None = None, limit: int = 100
) -> list[Row]:
    """Co-building organizations ranked by confirmed value, then people helped."""
    lo, hi = _bounds(start, end)
    claims = _scoped(user, Claim.objects.filter(party_org__isnull=False), region)
    agg = (
        claims.values("party_org_id")
        .annotate(
            claimed=Count("pk", filter=Q(created_at__gte=lo, created_at__lt=hi)),
            confirmed=Count(
                "pk",
                filter=Q(status=ClaimStatus.CONFIRMED, confirmed_at__gte=lo, confirmed_at__lt=hi),
            ),
            on_time=Count(
                "pk",
                filter=Q(
                    status=ClaimStatus.CONFIRMED,
                    confirmed_at__gte=lo,
                    confirmed_at__lt=hi,
                    on_time=True,
                ),
            ),
            value=Sum(
                "delivered_value",
                filter=Q(status=ClaimStatus.CONFIRMED, confirmed_at__gte=lo, confirmed_at__lt=hi),
            ),
            people=Sum(
                "people_helped",
                filter=Q(status=ClaimStatus.CONFIRMED, confirmed_at__gte=lo, confirmed_at__lt=hi),
            ),
        )
        .filter(Q(claimed__gt=0) | Q(confirmed__gt=0))
        .order_by(
            F("value").desc(nulls_last=True), F("people").desc(nulls_last=True), "party_org_id"
        )
    )[:limit]
    recs = list(agg)
    names = dict(
        PartyOrg.objects.filter(pk__in=[r["party_org_id"] for r in recs]).values_list("pk", "name")
    )
    out = []
    for r in recs:
        out.append(
            Row(
                r["party_org_id"],
                names.get(r["party_org_id"], ""),
                claimed=r["claimed"],
                confirmed=r["confirmed"],
                on_time=r["on_time"],
                value=r["value"] or Decimal("0"),
                people=r["people"] or 0,
            )
        )
    return out


@dataclass
class RegRow:
    key: int
    name: str
    orgs: int = 0
    members: int = 0
    residents: int = 0

    @property
    def rate(self) -> float | None:
        """Members reported per member living there, in percent (`core.rates`)."""
        return percent(self.members, self.residents)


def registration_report(user: User, region: Region | None = None) -> list[RegRow]:
    """Per community: organizations and members registered (approved), members living there."""
    rows = {c.pk: RegRow(c.pk, c.name) for c in report_communities(user, region)}
    regs = Registration.objects.filter(region_id__in=rows, status=RegStatus.APPROVED)
    for rec in (
        regs.values("region_id")
        .annotate(
            orgs=Count("pk", filter=Q(party_org__isnull=False)),
            members=Count("pk", filter=Q(member__isnull=False)),
        )
        .order_by()
    ):
        row = rows[rec["region_id"]]
        row.orgs, row.members = rec["orgs"], rec["members"]
    for rec in (
        Member.objects.filter(residence_community_id__in=rows, is_active=True)
        .values("residence_community_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[rec["residence_community_id"]].residents = rec["n"]
    return list(rows.values())


@dataclass
class PairRow:
    key: int
    name: str
    pairs: int = 0
    units: int = 0
    people: int = 0
    visits: int = 0
    value: Decimal = Decimal("0")


def pairs_report(
    user: User, start: dt.date, end: dt.date, *, region: Region | None = None
) -> list[PairRow]:
    """帮扶对子 per community: pairs active in the period, their units and people, and the
    visits logged in the period with their value."""
    from lianjian.projects.models import Pair, PairVisit

    rows = {c.pk: PairRow(c.pk, c.name) for c in report_communities(user, region)}
    pairs = (
        _scoped(user, Pair.objects.all(), region)
        .filter(started_on__lte=end)
        .exclude(ended_on__lt=start)
    )
    for rec in (
        pairs.values("community_id")
        .annotate(n=Count("pk"), u=Count("party_org_id", distinct=True), p=Sum("people"))
        .order_by()
    ):
        row = rows.get(rec["community_id"])
        if row is not None:
            row.pairs, row.units, row.people = rec["n"], rec["u"], rec["p"] or 0
    visits = PairVisit.objects.filter(pair__in=pairs, visited_on__gte=start, visited_on__lte=end)
    for rec in (
        visits.values("pair__community_id").annotate(n=Count("pk"), v=Sum("value")).order_by()
    ):
        row = rows.get(rec["pair__community_id"])
        if row is not None:
            row.visits, row.value = rec["n"], rec["v"] or Decimal("0")
    return [r for r in rows.values() if r.pairs]
