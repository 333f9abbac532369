"""The annotated unit queryset every coverage figure filters on, and its tallies.

Everything is computed from registry history, so a report "as of" a past date
counts what existed then: units by `registered_on`/`deregistered_on`, links
by `OrgUnitCoverage.since`/`until`, organizations by `founded_on`/
`dissolved_on`, members by `joined_on` (through each unit's member dates, kept
at write time: `Unit.member_since`, ADR 0005).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from lianjian.core.actors import Viewer
from lianjian.orgs.access import LEVEL_FIELD, units_visible_to
from lianjian.orgs.coverage.figures import FLAGS, FORMATION_FIGURES, ORG_FIGURES, PREDICATES
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Region, Unit

PERM = "orgs.view_coverage"


def alive_q(as_of: dt.date, since: str, until: str) -> Q:
    return (Q(**{f"{since}__isnull": True}) | Q(**{f"{since}__lte": as_of})) & (
        Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": as_of})
    )


def member_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members on the roll on `as_of` (members carry no leave date; inactive ones are gone)."""
    return Q(**{prefix + "is_active": True}) & (
        Q(**{prefix + "joined_on__isnull": True}) | Q(**{prefix + "joined_on__lte": as_of})
    )


def links_alive(
    as_of: dt.date, within: dict[str, Any] | None = None, **extra: Any
) -> QuerySet[OrgUnitCoverage]:
    return OrgUnitCoverage.objects.filter(
        alive_q(as_of, "since", "until"),
        alive_q(as_of, "party_org__founded_on", "party_org__dissolved_on"),
        **{f"unit__{k}": v for k, v in (within or {}).items()},
        **extra,
    )


def _flag(q: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(q, output_field=BooleanField())


def annotate_units(
    qs: QuerySet[Unit], as_of: dt.date, within: dict[str, Any] | None = None
) -> QuerySet[Unit]:
    """Units alive on `as_of` with the annotations every figure filters on.

    The member flags compare the unit's own member dates (kept at write time, see
    `Unit.member_since`) with `as_of`: aggregating the members per report cost about
    half of a district report. Each link flag is `id IN (uncorrelated subquery)`,
    which PostgreSQL hashes once per query; a correlated EXISTS would run once per
    unit (bench/README.md, coverage report). `within` narrows the link
    subqueries to a subtree's units (see `subquery_within`).
    """
    return qs.filter(alive_q(as_of, "registered_on", "deregistered_on")).annotate(
        covered=_flag(Q(pk__in=links_alive(as_of, within).values("unit_id"))),
        independent=_flag(
            Q(
                pk__in=links_alive(
                    as_of, within, party_org__formation=PartyOrg.Formation.SINGLE
                ).values("unit_id")
            )
        ),
        # the IS NOT NULL keeps the flag false, never NULL, for a unit without members
        has_member=_flag(Q(member_since__isnull=False, member_since__lte=as_of)),
        has_min_members=_flag(Q(min_members_since__isnull=False, min_members_since__lte=as_of)),
    )


def subquery_within(region: Region) -> dict[str, Any]:
    """How far to narrow the link subqueries for a report on `region`.

    Narrowed, the subqueries join coverage links to the subtree's units, which
    shrinks the link hashes from the city's 180k live links to a district's 18k
    (a subquery hashes only while it fits in work_mem; before the member dates
    were kept on units, the same narrowing of a city's 1.4M working members is
    what kept a district report from running for minutes). The one case it is
    pure cost is a district that is the whole dataset: there it filters nothing
    and only adds a join.
    """
    if (
        region.level == Region.Level.DISTRICT
        and not Region.objects.filter(level=Region.Level.DISTRICT).exclude(pk=region.pk).exists()
    ):
        return {}
    return {LEVEL_FIELD[Region.Level(region.level)]: region.pk}


def annotated_units(
    user: Viewer, region: Region, as_of: dt.date, narrow: dict[str, Any] | None = None
) -> QuerySet[Unit]:
    """`annotate_units` over `region`'s subtree within the user's scope (`narrow`: the
    `subquery_within(region)` the caller already has)."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return annotate_units(
        units_visible_to(user, PERM).filter(**within),
        as_of,
        subquery_within(region) if narrow is None else narrow,
    )


def region_figures(region: Region, as_of: dt.date) -> dict[str, int]:
    """Figures for a whole subtree with no user scope: demo builder and benchmarks only."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    units = Unit.objects.filter(**{field: region.pk})
    counts = count_figures(tally(annotate_units(units, as_of, subquery_within(region))))
    return {**counts, **count_org_figures(units, as_of)}


def count_org_figures(units: QuerySet[Unit], as_of: dt.date) -> dict[str, int]:
    """`ORG_FIGURES` over the links of `units` alive on `as_of`: one query."""
    alive = units.filter(alive_q(as_of, "registered_on", "deregistered_on")).values("pk")
    return links_alive(as_of, unit__in=alive).aggregate(
        **{
            key: Count("party_org_id", distinct=True, filter=q)
            for key, (_, q) in ORG_FIGURES.items()
        }
    )


def org_figures(user: Viewer, region: Region, as_of: dt.date) -> dict[str, int]:
    """`ORG_FIGURES` for `region`'s subtree, over the units in the user's scope."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return count_org_figures(units_visible_to(user, PERM).filter(**within), as_of)


def with_liaison(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    return qs.annotate(
        has_liaison=ExpressionWrapper(~Q(liaison_name=""), output_field=BooleanField())
    )


def tallied(qs: QuerySet[Unit], *extra: str) -> QuerySet[Unit, dict[str, Any]]:
    rows: QuerySet[Unit, dict[str, Any]] = (
        with_liaison(qs).order_by().values(*FLAGS, *extra).annotate(n=Count("pk"))
    )
    return rows


def tally(qs: QuerySet[Unit], *extra: str) -> list[dict[str, Any]]:
    """Unit counts grouped by kind and every flag (plus `extra` columns): one query."""
    return list(tallied(qs, *extra))


def count_figures(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Every figure from `tally` rows; rows are first merged by their flags (a few dozen)."""
    merged: dict[tuple[Any, ...], int] = {}
    for r in rows:
        flags = tuple(r[f] for f in FLAGS)
        merged[flags] = merged.get(flags, 0) + r["n"]
    flat = [{**dict(zip(FLAGS, flags, strict=True)), "n": n} for flags, n in merged.items()]
    return {key: sum(r["n"] for r in flat if test(r)) for key, test in PREDICATES.items()}


def formation_annotations(as_of: dt.date, within: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        key: _flag(
            Q(pk__in=links_alive(as_of, within, party_org__formation=formation).values("unit_id"))
        )
        for key, formation in FORMATION_FIGURES.items()
    }
