"""Coverage statistics (组织覆盖, 工作覆盖) for any region subtree on any date.

Everything is computed from registry history, so a report "as of" a past date
counts what existed then: units by `registered_on`/`deregistered_on`, links
by `OrgUnitCoverage.since`/`until`, organizations by `founded_on`/
`dissolved_on`, members by `joined_on` (through each unit's member dates, kept
at write time: `Unit.member_since`). Each figure is one named filter on
the same annotated unit queryset, so a figure and the list behind it
(drill-down) can never disagree. Scope: `orgs.view_coverage` through the
chokepoint in `orgs/access.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from lianjian.core.statements import Statement, fetch_dicts, with_value
from lianjian.orgs.access import (
    LEVEL_FIELD,
    get_region_for_user,
    members_visible_to,
    unit_scope_q,
    units_visible_to,
)
from lianjian.orgs.models import (
    LIANGXIN_KINDS,
    VIOLATION_MIN_MEMBERS,
    Member,
    OrgUnitCoverage,
    PartyOrg,
    Region,
    Unit,
    UnitKind,
)

PERM = "orgs.view_coverage"

LX = Q(kind__in=LIANGXIN_KINDS)
NO_MEMBERS = Q(has_member=False)

# figure key → (label, filter on the annotated unit queryset)
FIGURES: dict[str, tuple[str, Q]] = {
    "liangxin": ("两新组织", LX),
    "liangxin_covered": ("已建党组织覆盖的两新组织", LX & Q(covered=True)),
    "liangxin_uncovered": ("未实现组织覆盖的两新组织", LX & Q(covered=False)),
    "excluded_individual": ("个体工商户（不计入两新组织）", Q(kind=UnitKind.INDIVIDUAL_BUSINESS)),
    "excluded_team": ("社区活动团队（不计入两新组织）", Q(kind=UnitKind.COMMUNITY_TEAM)),
    "above_scale": ("规模以上两新组织", LX & Q(is_above_scale=True)),
    "above_scale_covered": ("已覆盖的规模以上两新组织", LX & Q(is_above_scale=True, covered=True)),
    "above_scale_uncovered": (
        "未覆盖的规模以上两新组织",
        LX & Q(is_above_scale=True, covered=False),
    ),
    "no_member": ("无党员的两新组织", LX & NO_MEMBERS),
    "work_covered": (
        "无党员、已实现工作覆盖（派驻党建指导员/联络员或纳入联合党组织）",
        LX & NO_MEMBERS & (~Q(liaison_name="") | Q(covered=True)),
    ),
    "work_uncovered": (
        "无党员、尚未实现工作覆盖",
        LX & NO_MEMBERS & Q(liaison_name="", covered=False),
    ),
    "violations": (
        f"党员{VIOLATION_MIN_MEMBERS}人以上未单独建立党组织",
        Q(has_min_members=True, independent=False),
    ),
    "members_no_org": ("有党员但无党组织覆盖", Q(has_member=True, covered=False)),
}
FORMATION_FIGURES = {f"formation_{f}": f for f in PartyOrg.Formation.values}
# figure key → (label, filter on the live coverage links of the subtree's units alive on the
# date): these count distinct Party organizations, not units. Seed 002's "党组织837个，覆盖
# 3098家两新组织" is `covering_orgs` beside `liangxin_covered`: every organization founded and
# not dissolved on the date with a live link to at least one 两新 organization of the subtree
# (an organization covering units in two streets counts in each, once in the district).
ORG_FIGURES: dict[str, tuple[str, Q]] = {
    "covering_orgs": ("覆盖两新组织的党组织（个）", Q(unit__kind__in=LIANGXIN_KINDS)),
}

# The same figures as predicates over one row of `tally`: the report counts in Python
# over a few dozen (kind, flags) groups, so each EXISTS runs once per unit instead of
# once per figure; `FIGURES` stays the filter for drill-down lists, and a test checks
# that every figure equals the length of its list.
_LXK = {str(k) for k in LIANGXIN_KINDS}
Pred = Callable[[dict[str, Any]], bool]


def _lx(r: dict[str, Any]) -> bool:
    return r["kind"] in _LXK


PREDICATES: dict[str, Pred] = {
    "liangxin": _lx,
    "liangxin_covered": lambda r: _lx(r) and r["covered"],
    "liangxin_uncovered": lambda r: _lx(r) and not r["covered"],
    "excluded_individual": lambda r: r["kind"] == UnitKind.INDIVIDUAL_BUSINESS,
    "excluded_team": lambda r: r["kind"] == UnitKind.COMMUNITY_TEAM,
    "above_scale": lambda r: _lx(r) and r["is_above_scale"],
    "above_scale_covered": lambda r: _lx(r) and r["is_above_scale"] and r["covered"],
    "above_scale_uncovered": lambda r: _lx(r) and r["is_above_scale"] and not r["covered"],
    "no_member": lambda r: _lx(r) and not r["has_member"],
    "work_covered": lambda r: _lx(r) and not r["has_member"] and (r["has_liaison"] or r["covered"]),
    "work_uncovered": lambda r: (
        _lx(r) and not r["has_member"] and not r["has_liaison"] and not r["covered"]
    ),
    "violations": lambda r: r["has_min_members"] and not r["independent"],
    "members_no_org": lambda r: r["has_member"] and not r["covered"],
}
FLAGS = (
    "kind",
    "is_above_scale",
    "has_liaison",
    "covered",
    "independent",
    "has_member",
    "has_min_members",
)

BREAKDOWNS = {
    "street": "街道",
    "community": "社区",
    "area_type": "区域类型",
    "industry": "行业",
    "formation": "组建方式",
}


def _alive(as_of: dt.date, since: str, until: str) -> Q:
    return (Q(**{f"{since}__isnull": True}) | Q(**{f"{since}__lte": as_of})) & (
        Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": as_of})
    )


def member_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members on the roll on `as_of` (members carry no leave date; inactive ones are gone)."""
    return Q(**{prefix + "is_active": True}) & (
        Q(**{prefix + "joined_on__isnull": True}) | Q(**{prefix + "joined_on__lte": as_of})
    )


def _links_alive(
    as_of: dt.date, within: dict[str, Any] | None = None, **extra: Any
) -> QuerySet[OrgUnitCoverage]:
    return OrgUnitCoverage.objects.filter(
        _alive(as_of, "since", "until"),
        _alive(as_of, "party_org__founded_on", "party_org__dissolved_on"),
        **{f"unit__{k}": v for k, v in (within or {}).items()},
        **extra,
    )


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def annotate_units(
    qs: QuerySet[Unit], as_of: dt.date, within: dict[str, Any] | None = None
) -> QuerySet[Unit]:
    """Units alive on `as_of` with the annotations every figure filters on.

    The member flags compare the unit's own member dates (kept at write time, see
    `Unit.member_since`) with `as_of`: aggregating the members per report cost about
    half of a district report. Each link flag is `id IN (uncorrelated subquery)`,
    which PostgreSQL hashes once per query; a correlated EXISTS would run once per
    unit (measured 5x slower on the district dataset). `within` narrows the link
    subqueries to a subtree's units (see `_subquery_within`).
    """
    return qs.filter(_alive(as_of, "registered_on", "deregistered_on")).annotate(
        covered=_flag(Q(pk__in=_links_alive(as_of, within).values("unit_id"))),
        independent=_flag(
            Q(
                pk__in=_links_alive(
                    as_of, within, party_org__formation=PartyOrg.Formation.SINGLE
                ).values("unit_id")
            )
        ),
        # the IS NOT NULL keeps the flag false, never NULL, for a unit without members
        has_member=_flag(Q(member_since__isnull=False, member_since__lte=as_of)),
        has_min_members=_flag(Q(min_members_since__isnull=False, min_members_since__lte=as_of)),
    )


def _subquery_within(region: Region) -> dict[str, Any]:
    """How far to narrow the link subqueries for a report on `region`.

    Narrowed, the subqueries join coverage links to the subtree's units, which
    shrinks the link hashes from the city's 180k live links to a district's 18k
    (a subquery hashes only while it fits in work_mem; before the member dates
    were kept on units, the same narrowing of a city's 1.4M working members is
    what kept a district report from running for minutes). The one case it is
    pure cost is a district that is the whole dataset: there it filters nothing
    (links: 92 against 75 ms for the district figures).
    """
    if (
        region.level == Region.Level.DISTRICT
        and not Region.objects.filter(level=Region.Level.DISTRICT).exclude(pk=region.pk).exists()
    ):
        return {}
    return {LEVEL_FIELD[Region.Level(region.level)]: region.pk}


def annotated_units(
    user: Any, region: Region, as_of: dt.date, narrow: dict[str, Any] | None = None
) -> QuerySet[Unit]:
    """`annotate_units` over `region`'s subtree within the user's scope (`narrow`: the
    `_subquery_within(region)` the caller already has)."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return annotate_units(
        units_visible_to(user, PERM).filter(**within),
        as_of,
        _subquery_within(region) if narrow is None else narrow,
    )


def region_figures(region: Region, as_of: dt.date) -> dict[str, int]:
    """Figures for a whole subtree with no user scope: demo builder and benchmarks only."""
    field = LEVEL_FIELD[Region.Level(region.level)]
    units = Unit.objects.filter(**{field: region.pk})
    counts = count_figures(tally(annotate_units(units, as_of, _subquery_within(region))))
    return {**counts, **count_org_figures(units, as_of)}


def count_org_figures(units: QuerySet[Unit], as_of: dt.date) -> dict[str, int]:
    """`ORG_FIGURES` over the links of `units` alive on `as_of`: one query."""
    alive = units.filter(_alive(as_of, "registered_on", "deregistered_on")).values("pk")
    return _links_alive(as_of, unit__in=alive).aggregate(
        **{
            key: Count("party_org_id", distinct=True, filter=q)
            for key, (_, q) in ORG_FIGURES.items()
        }
    )


def org_figures(user: Any, region: Region, as_of: dt.date) -> dict[str, int]:
    """`ORG_FIGURES` for `region`'s subtree, over the units in the user's scope."""
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    return count_org_figures(units_visible_to(user, PERM).filter(**within), as_of)


def _with_liaison(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    return qs.annotate(
        has_liaison=ExpressionWrapper(~Q(liaison_name=""), output_field=BooleanField())
    )


def _tallied(qs: QuerySet[Unit], *extra: str) -> QuerySet[Unit, dict[str, Any]]:
    return _with_liaison(qs).order_by().values(*FLAGS, *extra).annotate(n=Count("pk"))


def tally(qs: QuerySet[Unit], *extra: str) -> list[dict[str, Any]]:
    """Unit counts grouped by kind and every flag (plus `extra` columns): one query."""
    return list(_tallied(qs, *extra))


def count_figures(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Every figure from `tally` rows; rows are first merged by their flags (a few dozen)."""
    merged: dict[tuple[Any, ...], int] = {}
    for r in rows:
        flags = tuple(r[f] for f in FLAGS)
        merged[flags] = merged.get(flags, 0) + r["n"]
    flat = [{**dict(zip(FLAGS, flags, strict=True)), "n": n} for flags, n in merged.items()]
    return {key: sum(r["n"] for r in flat if test(r)) for key, test in PREDICATES.items()}


def _formation_annotations(as_of: dt.date, within: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        key: _flag(
            Q(pk__in=_links_alive(as_of, within, party_org__formation=formation).values("unit_id"))
        )
        for key, formation in FORMATION_FIGURES.items()
    }


def rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


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
        return rate(self.covered, self.liangxin)


BREAKDOWN_VALUES = (
    "liangxin",
    "liangxin_covered",
    "above_scale",
    "above_scale_covered",
    "violations",
)
PLACE_COLUMNS = ("region_id", "street_id", "community_id")
# `independent` is the single-formation link test itself, so only these two are added
REPORT_FLAGS = (*FLAGS, "formation_joint", "formation_temporary")
# the flags the breakdown values and the formation rows read (a test holds them to it):
# the place and industry groupings carry only these, which halves their rows
BREAKDOWN_FLAGS = (
    "kind",
    "is_above_scale",
    "covered",
    "independent",
    "has_min_members",
    "formation_joint",
    "formation_temporary",
)
# a report row: grouping marker, place, industry, flags, count
_INDUSTRY_AT = 1 + len(PLACE_COLUMNS)
_FLAGS_AT = slice(_INDUSTRY_AT + 1, _INDUSTRY_AT + 1 + len(REPORT_FLAGS))


def _formation_test(key: str, above_scale: bool) -> Pred:
    return lambda r: _lx(r) and r[key] and (r["is_above_scale"] or not above_scale)


# per formation of a covering organization: its covered two-new units, those above scale
_FORMATION_TESTS: list[tuple[str, Pred]] = [
    *((key, _formation_test(key, False)) for key in FORMATION_FIGURES),
    *((f"{key}_above", _formation_test(key, True)) for key in FORMATION_FIGURES),
]
_FIGURE_TESTS = [*PREDICATES.items(), *_FORMATION_TESTS]
_BREAKDOWN_TESTS = [(key, PREDICATES[key]) for key in BREAKDOWN_VALUES]


Items = tuple[tuple[str, Any], ...]
# stands for `as_of` while a statement is compiled; each run swaps the date in
_AS_OF = dt.date(1, 1, 2)
_DATE = Unit._meta.get_field("registered_on")  # how a date parameter is sent


def _statement_key(user: Any, region: Region) -> tuple[Q, Items, Items]:
    """What a report's statement depends on besides the date: the user's unit scope, the
    subtree and how far its link subqueries are narrowed (`_subquery_within`)."""
    within = ((LEVEL_FIELD[Region.Level(region.level)], region.pk),)
    return unit_scope_q(user, PERM), within, tuple(sorted(_subquery_within(region).items()))


def _units_for(scope: Q, within: Items, narrow: Items) -> QuerySet[Unit]:
    return annotate_units(Unit.objects.filter(scope, **dict(within)), _AS_OF, dict(narrow))


@lru_cache(maxsize=512)
def _tally_statement(scope: Q, within: Items, narrow: Items) -> Statement | None:
    """`tally` of the subtree's units in scope as SQL, with the stand-in date (None when
    the scope matches nothing). Building and compiling the query took ~3.5 ms, as much
    as PostgreSQL's answer for a street; keyed by the scope's filter, users with the
    same grants share it."""
    values = _tallied(_units_for(scope, within, narrow))
    try:
        return values.query.sql_with_params()
    except EmptyResultSet:
        return None


@lru_cache(maxsize=512)
def _report_statement(scope: Q, within: Items, narrow: Items) -> Statement | None:
    """The whole report's grouped statement (see `report_tallies`), with the stand-in
    date; None when the scope matches nothing."""
    formations = _formation_annotations(_AS_OF, dict(narrow))
    del formations["formation_single"]
    units = _with_liaison(_units_for(scope, within, narrow)).annotate(**formations)
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
    user: Any, region: Region, as_of: dt.date
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
        into = out.setdefault(key_of(key), [0] * len(_BREAKDOWN_TESTS))
        for i, n in enumerate(sums):
            into[i] += n
    return out


def _rows(acc: dict[Any, list[int]], labels: dict[Any, str]) -> list[Row]:
    """Breakdown rows from `_BREAKDOWN_TESTS` sums (in `BREAKDOWN_VALUES` order)."""
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
    totals = _fold(by_flags, lambda _: None, _FIGURE_TESTS).get(None, [0] * len(_FIGURE_TESTS))
    total = {key: totals[i] for i, (key, _) in enumerate(_FIGURE_TESTS)}
    places = _fold(by_place, lambda r: r[1:_INDUSTRY_AT], _BREAKDOWN_TESTS)
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
        _fold(by_industry, lambda r: r[_INDUSTRY_AT], _BREAKDOWN_TESTS), {"": "（未填写）"}
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


def figures(user: Any, region: Region, as_of: dt.date) -> dict[str, int]:
    """Every figure of the report: the unit figures from one grouped query (`tally`'s,
    compiled once per scope and region), the organization figures from one more."""
    statement = _tally_statement(*_statement_key(user, region))
    if statement is None:  # a scope that matches nothing
        return {**count_figures([]), **dict.fromkeys(ORG_FIGURES, 0)}
    counts = count_figures(fetch_dicts(with_value(statement, _DATE, _AS_OF, as_of)))
    return {**counts, **org_figures(user, region, as_of)}


def floating_members(user: Any, region: Region, as_of: dt.date) -> dict[str, Any]:
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
    user: Any, region: Region, as_of: dt.date, *, with_breakdowns: bool = True
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
            "organization_coverage": rate(counts["liangxin_covered"], counts["liangxin"]),
            "above_scale_coverage": rate(counts["above_scale_covered"], counts["above_scale"]),
            "work_coverage": rate(counts["work_covered"], counts["no_member"]),
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


def figure_units(
    user: Any,
    region: Region,
    as_of: dt.date,
    figure: str,
    by: str = "",
    key: str = "",
) -> QuerySet[Unit]:
    """The units behind one figure (optionally one breakdown row): the drill-down list."""
    narrow = _subquery_within(region)
    qs = annotated_units(user, region, as_of, narrow)
    if figure in FORMATION_FIGURES:
        qs = qs.annotate(**_formation_annotations(as_of, narrow)).filter(LX, **{figure: True})
    elif figure in FIGURES:
        qs = qs.filter(FIGURES[figure][1])
    else:
        return qs.none()
    if by in ("street", "community"):
        qs = qs.filter(**{f"{by}_id": key}) if key.isdigit() else qs.none()
    elif by == "area_type":
        qs = qs.filter(region__area_type=key)
    elif by == "industry":
        qs = qs.filter(industry=key)
    elif by == "formation":
        qs = (
            qs.annotate(**_formation_annotations(as_of, narrow)).filter(
                **{f"formation_{key}": True}
            )
            if key in PartyOrg.Formation.values
            else qs.none()
        )
    member_count = (
        Member.objects.filter(member_q(as_of), workplace_unit=OuterRef("pk"))
        .order_by()
        .values("workplace_unit")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return (
        qs.annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0))
        )
        .select_related("region")
        .order_by("name", "pk")
    )


def figure_label(figure: str) -> str:
    if figure in FORMATION_FIGURES:
        return f"{PartyOrg.Formation(FORMATION_FIGURES[figure]).label}党组织覆盖的两新组织"
    return FIGURES[figure][0] if figure in FIGURES else ""


def month_ends(as_of: dt.date, months: int = 12) -> list[dt.date]:
    ends = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, as_of))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def coverage_trend(
    user: Any, region: Region, as_of: dt.date, months: int = 12
) -> list[dict[str, Any]]:
    """Organization coverage at each month end (the last point is `as_of` itself).

    Two scans, with the same tests as the figures: the subtree's two-new units counted
    alive per month, and the links of those units joined to their unit and organization,
    counting each unit alive and covered per month once. Hashing all live links per
    month (one `IN` per month end) read the city's 180k links twelve times (~2.3 s).
    """
    within = {LEVEL_FIELD[Region.Level(region.level)]: region.pk}
    days = month_ends(as_of, months)
    units = units_visible_to(user, PERM).filter(LX, **within)
    alive = units.aggregate(
        **{
            f"a{i}": Count("pk", filter=_alive(day, "registered_on", "deregistered_on"))
            for i, day in enumerate(days)
        }
    )
    covered = OrgUnitCoverage.objects.filter(unit__in=units.values("pk")).aggregate(
        **{
            f"c{i}": Count(
                "unit_id",
                distinct=True,
                filter=_alive(day, "since", "until")
                & _alive(day, "party_org__founded_on", "party_org__dissolved_on")
                & _alive(day, "unit__registered_on", "unit__deregistered_on"),
            )
            for i, day in enumerate(days)
        }
    )
    return [
        {
            "date": day.isoformat(),
            "liangxin": alive[f"a{i}"],
            "covered": covered[f"c{i}"],
            "rate": rate(covered[f"c{i}"], alive[f"a{i}"]),
        }
        for i, day in enumerate(days)
    ]


def default_region(user: Any) -> Region | None:
    """The widest region the user may report on (first granted, highest level first)."""
    from lianjian.core.permissions import grants_with_perm

    regions = [g.region for g in grants_with_perm(user, PERM) if g.region_id]
    order = {Region.Level.DISTRICT: 0, Region.Level.STREET: 1, Region.Level.COMMUNITY: 2}
    regions.sort(key=lambda r: (order.get(r.level, 3), r.pk))
    return regions[0] if regions else None


def region_for(user: Any, region_id: Any, request: Any = None) -> Region:
    """The requested region if in scope (404 and an audit row otherwise), else the default."""
    if region_id in (None, ""):
        region = default_region(user)
        if region is None:
            from django.http import Http404

            raise Http404("没有可统计的区域")
        return region
    return get_region_for_user(user, region_id, perm=PERM, request=request)


def parse_as_of(value: Any) -> dt.date:
    """`YYYY-MM-DD` or today; a malformed date raises ValueError with a Chinese message."""
    if value in (None, ""):
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError("统计日期格式应为 YYYY-MM-DD") from exc


def regions_to_pick(user: Any) -> list[Region]:
    """Regions offered in the report's region selector (districts, streets, communities, areas)."""
    from lianjian.orgs.access import regions_visible_to

    return list(regions_visible_to(user, PERM).filter(is_active=True).order_by("path")[:500])
