"""Scoped reads of ratings: work queues, the grade reports and an organization's history.

A grade counts in the reports once the district has confirmed it (an appealed
grade stands until the district decides). Reports group one indexed query
(`district_id`/`street_id`, `year`, `grade`) and compute shares with
`core.rates.percent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from lianjian.core.rates import percent
from lianjian.orgs.models import PartyOrg
from lianjian.ratings import access
from lianjian.ratings.models import GRADE_ORDER, Grade, Rating, RatingStatus, Round
from lianjian.ratings.workflow import CONFIRM, LOCKED, REVIEW, SELF_ASSESS, SELF_EDITABLE

if TYPE_CHECKING:
    from lianjian.accounts.models import User

DIMENSIONS = {"district": "区", "street": "街道", "org_type": "组织类型"}
ORG_TYPE_LABELS = dict(PartyOrg.OrgType.choices)


def ratings_filtered(user: User, filters: Mapping[str, object]) -> QuerySet[Rating]:
    qs = access.ratings_visible_to(user).select_related("party_org", "street")
    year = str(filters.get("year") or "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    for key in ("status", "grade", "org_type"):
        value = str(filters.get(key) or "").strip()
        if value:
            qs = qs.filter(**{key: value})
    org = str(filters.get("party_org") or "").strip()
    if org.isdigit() and len(org) < 19:
        qs = qs.filter(party_org_id=int(org))  # an organization's history across the years
    street = str(filters.get("street") or "").strip()
    if street.isdigit():
        qs = qs.filter(street_id=int(street))
    if str(filters.get("stars") or "").strip().isdigit():
        qs = qs.filter(stars=int(str(filters["stars"])), status__in=LOCKED)
    text = str(filters.get("q") or "").strip()[:50]
    if text:
        qs = qs.filter(party_org__name__icontains=text)
    return qs.order_by("-year", "party_org__sort_key", "pk")


def self_assessments_due(user: User) -> QuerySet[Rating]:
    return access.ratings_for(user, SELF_ASSESS).filter(
        status__in=SELF_EDITABLE, round__status=Round.Status.OPEN
    )


def reviews_waiting(user: User) -> QuerySet[Rating]:
    return access.ratings_for(user, REVIEW).filter(
        status=RatingStatus.SUBMITTED, round__status=Round.Status.OPEN
    )


def confirmations_waiting(user: User) -> QuerySet[Rating]:
    return access.ratings_for(user, CONFIRM).filter(
        status__in=[RatingStatus.REVIEWED, RatingStatus.APPEALED], round__status=Round.Status.OPEN
    )


def history_of(user: User, party_org_id: int) -> QuerySet[Rating]:
    """An organization's ratings across the years, newest first."""
    return (
        access.ratings_visible_to(user)
        .filter(party_org_id=party_org_id)
        .select_related("round")
        .order_by("-year")
    )


def years_rated(user: User) -> list[int]:
    qs = access.ratings_visible_to(user).values_list("year", flat=True).distinct()
    return sorted(set(qs), reverse=True)


# ---------------------------------------------------------------- reports


@dataclass
class DistributionRow:
    key: int | str | None  # the street's or district's id, the org type; None for 合计
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    five_star: int = 0
    rated: int = 0
    # every rating of the round in this group, confirmed or not
    total: int = 0

    @property
    def good_or_fair(self) -> int:
        return self.counts.get(Grade.GOOD, 0) + self.counts.get(Grade.FAIR, 0)

    @property
    def share_good_or_fair(self) -> float | None:
        return percent(self.good_or_fair, self.rated)

    def grade_cells(self) -> list[tuple[str, int]]:
        return [(g.label, self.counts.get(g, 0)) for g in GRADE_ORDER]


@dataclass
class Distribution:
    year: int
    by: str
    rows: list[DistributionRow]
    all: DistributionRow


def _label(by: str, row: Mapping[str, Any]) -> str:  # a values() row: column -> its value
    if by == "org_type":
        key = row["org_type"]
        return str(ORG_TYPE_LABELS.get(key, key or "未分类"))
    return str(row[f"{by}__name"] or ("区直属" if by == "street" else "—"))


def grade_distribution(
    user: User, year: int, by: str = "street", extra: Q | None = None
) -> Distribution:
    """Counts per grade, five-star organizations and the share rated 好/较好, per group."""
    if by not in DIMENSIONS:
        by = "street"
    column = "org_type" if by == "org_type" else f"{by}_id"
    qs = access.ratings_visible_to(user).filter(year=year)
    if extra is not None:
        qs = qs.filter(extra)
    locked = Q(status__in=LOCKED)
    # street and district names come in the same grouped query (one statement, P3)
    named = [] if by == "org_type" else [f"{by}__name"]
    rows = (
        qs.values(column, *named, "grade")
        .annotate(
            n=Count("pk"),
            rated=Count("pk", filter=locked),
            five=Count("pk", filter=locked & Q(stars=5)),
        )
        .order_by()
    )
    groups: dict[int | str | None, DistributionRow] = {}
    everything = DistributionRow(key=None, label="合计")
    for row in rows:
        key = row[column]
        group = groups.setdefault(key, DistributionRow(key=key, label=_label(by, row)))
        for target in (group, everything):
            target.total += row["n"]
            target.rated += row["rated"]
            target.five_star += row["five"]
            if row["grade"] and row["rated"]:
                target.counts[row["grade"]] = target.counts.get(row["grade"], 0) + row["rated"]
    ordered = sorted(groups.values(), key=lambda g: (-g.total, g.label))
    return Distribution(year=year, by=by, rows=ordered, all=everything)


@dataclass
class YearRow:
    year: int
    rated: int
    good_or_fair: int
    share: float | None
    five_star: int
    change: float | None = None


def year_over_year(user: User, extra: Q | None = None) -> list[YearRow]:
    """The share rated 好/较好 each year and its change from the year before (points)."""
    qs = access.ratings_visible_to(user).filter(status__in=LOCKED)
    if extra is not None:
        qs = qs.filter(extra)
    rows = (
        qs.values("year")
        .annotate(
            n=Count("pk"),
            gf=Count("pk", filter=Q(grade__in=[Grade.GOOD, Grade.FAIR])),
            five=Count("pk", filter=Q(stars=5)),
        )
        .order_by("year")
    )
    out: list[YearRow] = []
    for row in rows:
        item = YearRow(row["year"], row["n"], row["gf"], percent(row["gf"], row["n"]), row["five"])
        if out and out[-1].share is not None and item.share is not None:
            item.change = round(item.share - out[-1].share, 1)
        out.append(item)
    return out


def five_star_orgs(user: User, year: int) -> QuerySet[Rating]:
    return (
        access.ratings_visible_to(user)
        .filter(year=year, stars=5, status__in=LOCKED)
        .select_related("party_org", "street")
        .order_by("-total", "party_org__sort_key")
    )


def share_good_or_fair(user: User, year: int) -> float | None:
    return grade_distribution(user, year, by="district").all.share_good_or_fair


def drill_q(by: str, key: str) -> Q:
    """The filter of one report row, for the drill-down list."""
    if by == "org_type":
        return Q(org_type=key)
    if by == "street":
        return Q(street_id=int(key)) if key.isdigit() else Q(street_id__isnull=True)
    if by == "district" and key.isdigit():
        return Q(district_id=int(key))
    return Q()
