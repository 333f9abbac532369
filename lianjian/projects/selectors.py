"""Reads: lists for staff and claimants, and the statistics (always scoped).

The reports count what was *delivered*: a claim counts once the community
confirmed it (its value in yuan, on time or not); people helped are the
items' figures, each person counted once however many claimants helped, in the
period of the item's first confirmed delivery (`Item.helped_at`).
Rankings order by confirmed value, then people helped, never by claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
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
    Item,
    ItemStatus,
    Kind,
    Registration,
    RegStatus,
)

REPORT = "projects.report"


def period(params: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
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


def items_filtered(user: Any, filters: Mapping[str, Any]) -> QuerySet[Item]:
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


def open_items_for_claimant(user: Any) -> QuerySet[Item]:
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


def my_open_claims(user: Any) -> QuerySet[Claim]:
    return access.claims_acting_for(user).filter(status__in=OPEN_CLAIM_STATUSES)


def my_claims(user: Any) -> QuerySet[Claim]:
    return access.claims_acting_for(user).select_related("item", "party_org", "member")


def claims_to_confirm(user: Any) -> QuerySet[Claim]:
    return Claim.objects.filter(scope_q(user, access.MANAGE), status=ClaimStatus.DELIVERED)


def registrations_pending(user: Any) -> QuerySet[Registration]:
    return Registration.objects.filter(scope_q(user, access.MANAGE), status=RegStatus.PENDING)


def registrations_filtered(user: Any, status: str = "") -> QuerySet[Registration]:
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
    user: Any, region: Region | None = None, perm: str = REPORT
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


def _scoped(user: Any, qs: QuerySet[Any], region: Region | None) -> QuerySet[Any]:
    qs = qs.filter(scope_q(user, REPORT))
    if region is not None:
        qs = qs.filter(
            Q(community_id=region.pk) | Q(street_id=region.pk) | Q(district_id=region.pk)
        )
    return qs


def community_report(
    user: Any,
    start: dt.date,
    end: dt.date,
    *,
    region: Region | None = None,
    programme: str = "",
) -> Report:
    """Per community of the user's scope: published, claimed, delivered, confirmed,
    on time, value and people helped in the period, and hard problems solved."""
    lo, hi = _bounds(start, end)
    items = _scoped(user, Item.objects.all(), region)
    claims = _scoped(user, Claim.objects.all(), region)
    if programme:
        items = items.filter(programme=programme)
        claims = claims.filter(item__programme=programme)
    rows = {c.pk: Row(c.pk, c.name) for c in report_communities(user, region).only("pk", "name")}

    def add(qs: QuerySet[Any], **aggs: Any) -> None:
        for rec in qs.values("community_id").annotate(**aggs).order_by():
            row = rows.get(rec.pop("community_id"))
            if row is None:
                continue
            for k, v in rec.items():
                setattr(row, k, v or getattr(row, k))

    # three statements, two of them one pass over the scope's slice of a covering index
    # (PostgreSQL: index-only scans, see the models' *_report_idx): the claims' figures
    # together, the items' together (people helped among them), and the pairs' claims
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
        kind=Kind.PROBLEM, status=ItemStatus.CONFIRMED, confirmed_at__gte=lo, confirmed_at__lt=hi
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
    report = Report(start, end, list(rows.values()))
    total = report.total
    for row in report.rows:
        for name in (
            "published",
            "claimed",
            "delivered",
            "confirmed",
            "on_time",
            "value",
            "people",
            "problems_solved",
            "pairs",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return report


def unit_report(
    user: Any, start: dt.date, end: dt.date, *, region: Region | None = None, limit: int = 100
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


def registration_report(user: Any, region: Region | None = None) -> list[RegRow]:
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
    user: Any, start: dt.date, end: dt.date, *, region: Region | None = None
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
