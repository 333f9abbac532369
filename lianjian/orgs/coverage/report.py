"""The coverage report: every figure and breakdown of a subtree from one statement.

The statements are compiled once per scope and region (with a stand-in date,
`core.statements`) and cached by a hashable key: the user's grants as
`orgs.access.scope_key` gives them, the subtree, and how far the link
subqueries are narrowed. Users with the same grants share an entry, Party-
organization grants included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet

from lianjian.core.actors import Viewer
from lianjian.core.rates import percent
from lianjian.core.statements import Statement, fetch_dicts, with_value
from lianjian.orgs.access import (
    LEVEL_FIELD,
    ScopeKey,
    key_unit_scope_q,
    members_visible_to,
    scope_key,
)
from lianjian.orgs.coverage.figures import (
    BREAKDOWN_FLAGS,
    BREAKDOWN_TESTS,
    FIGURE_TESTS,
    FIGURES,
    FORMATION_FIGURES,
    ORG_FIGURES,
    PREDICATES,
    REPORT_FLAGS,
    Pred,
)
from lianjian.orgs.coverage.units import (
    PERM,
    annotate_units,
    count_figures,
    formation_annotations,
    member_q,
    org_figures,
    subquery_within,
    tallied,
    with_liaison,
)
from lianjian.orgs.models import PartyOrg, Region, Unit


@dataclass
class Row:
    key: str
    label: str
    liangxin: int
    covered: int
    above_scale: int
    above_scale_covered: int
    violations: int

    @property
    def rate(self) -> float | None:
        return percent(self.covered, self.liangxin)


PLACE_COLUMNS = ("region_id", "street_id", "community_id")
# a report row: grouping marker, place, industry, flags, count
_INDUSTRY_AT = 1 + len(PLACE_COLUMNS)
_FLAGS_AT = slice(_INDUSTRY_AT + 1, _INDUSTRY_AT + 1 + len(REPORT_FLAGS))


Items = tuple[tuple[str, Any], ...]
# stands for `as_of` while a statement is compiled; each run swaps the date in
_AS_OF = dt.date(1, 1, 2)
_DATE = Unit._meta.get_field("registered_on")  # how a date parameter is sent


def _statement_key(user: Viewer, region: Region) -> tuple[ScopeKey, Items, Items]:
    """What a report's statement depends on besides the date: the user's unit scope, the
    subtree and how far its link subqueries are narrowed (`subquery_within`)."""
    within = ((LEVEL_FIELD[Region.Level(region.level)], region.pk),)
    return scope_key(user, PERM), within, tuple(sorted(subquery_within(region).items()))


def _units_for(scope: ScopeKey, within: Items, narrow: Items) -> QuerySet[Unit]:
    units = Unit.objects.filter(key_unit_scope_q(scope), **dict(within))
    return annotate_units(units, _AS_OF, dict(narrow))


@lru_cache(maxsize=512)
def _tally_statement(scope: ScopeKey, within: Items, narrow: Items) -> Statement | None:
    """`tally` of the subtree's units in scope as SQL, with the stand-in date (None when
    the scope matches nothing). Building and compiling the query cost as much as
    PostgreSQL's answer for a street (bench/README.md); keyed by the scope key, users
    with the same grants share it."""
    values = tallied(_units_for(scope, within, narrow))
    try:
        return values.query.sql_with_params()
    except EmptyResultSet:
        return None


@lru_cache(maxsize=512)
def _report_statement(scope: ScopeKey, within: Items, narrow: Items) -> Statement | None:
    """The whole report's grouped statement (see `report_tallies`), with the stand-in
    date; None when the scope matches nothing."""
    formations = formation_annotations(_AS_OF, dict(narrow))
    del formations["formation_single"]
    units = with_liaison(_units_for(scope, within, narrow)).annotate(**formations)
    values = units.order_by().values(*REPORT_FLAGS, *PLACE_COLUMNS, "industry")
    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:
        return None
    qn = connection.ops.quote_name
    flags = ", ".join(qn(f) for f in REPORT_FLAGS)
    place = ", ".join(qn(c) for c in PLACE_COLUMNS)
    industry = qn("industry")
    if connection.vendor == "postgresql":  # GROUPING(region, industry): 3, 1 place, 2 industry
        marker = f"GROUPING({qn('region_id')}, {industry})"
        few = ", ".join(qn(f) for f in BREAKDOWN_FLAGS)
        group_by = f"GROUPING SETS (({flags}), ({place}, {few}), ({industry}, {few}))"
    else:
        marker, group_by = "0", f"{place}, {industry}, {flags}"
    # the ORM's compiled SQL (values as parameters) and constant quoted names only
    statement = (
        f"SELECT {marker}, {place}, {industry}, {flags}, COUNT(*) "  # noqa: S608
        f"FROM ({sql}) u GROUP BY {group_by}"
    )
    return statement, tuple(params)


def report_tallies(
    user: Viewer, region: Region, as_of: dt.date
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Unit counts by every flag, then per place (region, street, community) and per
    industry by the breakdown flags: the whole report from one statement.

    The flags are the ORM's own (`annotate_units`), so drill-down lists filter on exactly
    what is counted; the costly part, their hashed link subqueries, runs once.
    On PostgreSQL the three groupings are grouping sets of one scan: a single grouping by
    place, industry and every flag made ~17k groups of 30k district units, summed in
    Python once per breakdown; the sets make ~3.5k. SQLite has no grouping sets and gets
    that single grouping, which serves all three.
    """
    statement = _report_statement(*_statement_key(user, region))
    if statement is None:  # a scope that matches nothing: the ORM would return no rows
        return [], [], []
    sql, params = with_value(statement, _DATE, _AS_OF, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":
        return rows, rows, rows
    by_flags, by_place, by_industry = ([r for r in rows if r[0] == m] for m in (3, 1, 2))
    return by_flags, by_place, by_industry


def _fold(
    rows: list[tuple[Any, ...]],
    key_of: Callable[[tuple[Any, ...]], Any],
    tests: list[tuple[str, Pred]],
) -> dict[Any, list[int]]:
    """Per key, the count of units passing each test; the tests run once per distinct
    flag combination (a few hundred), not once per row."""
    hits_of: dict[tuple[Any, ...], list[int]] = {}
    acc: dict[Any, list[int]] = {}
    for row in rows:
        flags = row[_FLAGS_AT]
        hits = hits_of.get(flags)
        if hits is None:
            r = dict(zip(REPORT_FLAGS, flags, strict=True))
            r["formation_single"] = r["independent"]
            hits = hits_of[flags] = [i for i, (_, test) in enumerate(tests) if test(r)]
        key = key_of(row)
        sums = acc.get(key)
        if sums is None:
            sums = acc[key] = [0] * len(tests)
        n = row[-1]
        for i in hits:
            sums[i] += n
    return acc


def _roll_up(acc: dict[Any, list[int]], key_of: Callable[[Any], Any]) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = {}
    for key, sums in acc.items():
        into = out.setdefault(key_of(key), [0] * len(BREAKDOWN_TESTS))
        for i, n in enumerate(sums):
            into[i] += n
    return out


def _rows(acc: dict[Any, list[int]], labels: dict[Any, str]) -> list[Row]:
    """Breakdown rows from `BREAKDOWN_TESTS` sums (in `BREAKDOWN_VALUES` order)."""
    rows = [
        Row(
            key=str(key if key is not None else ""),
            label=labels.get(key, str(key or "（未填写）")),
            liangxin=liangxin,
            covered=covered,
            above_scale=above_scale,
            above_scale_covered=above_scale_covered,
            violations=violations,
        )
        for key, (liangxin, covered, above_scale, above_scale_covered, violations) in acc.items()
    ]
    return sorted(rows, key=lambda r: (-r.liangxin, r.label))


def report_counts(
    region: Region,
    by_flags: list[tuple[Any, ...]],
    by_place: list[tuple[Any, ...]],
    by_industry: list[tuple[Any, ...]],
) -> tuple[dict[str, int], dict[str, list[Row]]]:
    """The figures and every breakdown the report shows for `region`, from `report_tallies`."""
    totals = _fold(by_flags, lambda _: None, FIGURE_TESTS).get(None, [0] * len(FIGURE_TESTS))
    total = {key: totals[i] for i, (key, _) in enumerate(FIGURE_TESTS)}
    places = _fold(by_place, lambda r: r[1:_INDUSTRY_AT], BREAKDOWN_TESTS)
    ids = {pk for key in places for pk in key if pk is not None}
    regions = {
        pk: (name, area_type)
        for pk, name, area_type in Region.objects.filter(pk__in=ids).values_list(
            "pk", "name", "area_type"
        )
    }
    names = {pk: name for pk, (name, _) in regions.items()}
    result: dict[str, list[Row]] = {}
    if region.level == Region.Level.DISTRICT:
        streets = _roll_up(places, lambda k: k[1])
        result["street"] = _rows({k: v for k, v in streets.items() if k is not None}, names)
    if region.level in (Region.Level.DISTRICT, Region.Level.STREET):
        communities = _roll_up(places, lambda k: k[2])
        result["community"] = _rows({k: v for k, v in communities.items() if k is not None}, names)
    result["area_type"] = _rows(
        _roll_up(places, lambda k: regions[k[0]][1]), dict(Region.AreaType.choices)
    )
    result["industry"] = _rows(
        _fold(by_industry, lambda r: r[_INDUSTRY_AT], BREAKDOWN_TESTS), {"": "（未填写）"}
    )[:30]
    result["formation"] = [
        Row(
            key=formation,
            label=PartyOrg.Formation(formation).label,
            liangxin=total[key],
            covered=total[key],
            above_scale=total[f"{key}_above"],
            above_scale_covered=total[f"{key}_above"],
            violations=0,
        )
        for key, formation in FORMATION_FIGURES.items()
    ]
    return {key: total[key] for key in PREDICATES}, result


def figures(user: Viewer, region: Region, as_of: dt.date) -> dict[str, int]:
    """Every figure of the report: the unit figures from one grouped query (`tally`'s,
    compiled once per scope and region), the organization figures from one more."""
    statement = _tally_statement(*_statement_key(user, region))
    if statement is None:  # a scope that matches nothing
        return {**count_figures([]), **dict.fromkeys(ORG_FIGURES, 0)}
    counts = count_figures(fetch_dicts(with_value(statement, _DATE, _AS_OF, as_of)))
    return {**counts, **org_figures(user, region, as_of)}


def floating_members(user: Viewer, region: Region, as_of: dt.date) -> dict[str, Any]:
    """Floating members (流动党员) of the subtree, grouped by where they are."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    qs = members_visible_to(user, PERM).filter(
        member_q(as_of), is_floating=True, **{field: region.pk}
    )
    by_place = list(
        qs.order_by()
        .values("floating_to")
        .annotate(n=Count("*"))  # not the id: `orgs_mem_floating_scope_idx` answers alone
        .order_by("-n", "floating_to")[:20]
    )
    return {
        "total": sum(p["n"] for p in by_place) if len(by_place) < 20 else qs.count(),
        "by_place": [
            {"place": p["floating_to"] or "（未填写）", "count": p["n"]} for p in by_place
        ],
    }


def coverage_report(
    user: Viewer, region: Region, as_of: dt.date, *, with_breakdowns: bool = True
) -> dict[str, Any]:
    """The report as plain data: pages, the API and the Excel export all render this."""
    if with_breakdowns:
        counts, rows_by = report_counts(region, *report_tallies(user, region, as_of))
        counts = {**counts, **org_figures(user, region, as_of)}
    else:
        counts = figures(user, region, as_of)
    report: dict[str, Any] = {
        "region": {"id": region.pk, "name": region.name, "level": region.level},
        "as_of": as_of.isoformat(),
        "figures": {
            key: {"label": label, "count": counts[key]}
            for key, (label, _) in (*FIGURES.items(), *ORG_FIGURES.items())
        },
        "rates": {
            "organization_coverage": percent(counts["liangxin_covered"], counts["liangxin"]),
            "above_scale_coverage": percent(counts["above_scale_covered"], counts["above_scale"]),
            "work_coverage": percent(counts["work_covered"], counts["no_member"]),
        },
        "floating_members": floating_members(user, region, as_of),
    }
    if with_breakdowns:
        report["breakdowns"] = {
            by: [
                {
                    "key": r.key,
                    "label": r.label,
                    "liangxin": r.liangxin,
                    "covered": r.covered,
                    "rate": r.rate,
                    "above_scale": r.above_scale,
                    "above_scale_covered": r.above_scale_covered,
                    "violations": r.violations,
                }
                for r in rows
            ]
            for by, rows in rows_by.items()
        }
    return report
