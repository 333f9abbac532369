"""The full coverage report computes the per-unit flags once and derives every breakdown
from them; the trend reads the subtree's links in one pass. Both must count exactly what
the figures and the drill-down lists count, with the subqueries narrowed or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianjian.orgs import coverage
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Region, UnitKind
from lianjian.orgs.services import region_create, unit_deactivate
from lianjian.orgs.tests.factories import make_member, make_party_org, make_unit

TODAY = timezone.localdate()
BREAKDOWN_FIGURES = (
    ("liangxin", "liangxin"),
    ("covered", "liangxin_covered"),
    ("above_scale", "above_scale"),
    ("above_scale_covered", "above_scale_covered"),
    ("violations", "violations"),
)


@pytest.fixture
def registry(tree: Any) -> Any:
    """Units in several places and industries; one unit covered by a single and a joint
    organization at once; members over the 3+ line; a second district with a link and
    workers crossing the border (so the subqueries are narrowed)."""
    a1, b1 = tree.community_a1, tree.community_b1
    both = make_unit(a1, "双覆盖企业", is_above_scale=True, industry="餐饮")
    make_party_org(a1, "双覆盖企业党支部", covered_units=[both], founded_on=dt.date(2020, 1, 1))
    joint = make_party_org(
        a1,
        "虹储联合党支部",
        formation=PartyOrg.Formation.JOINT,
        covered_units=[both, tree.unit_a1],
        founded_on=dt.date(2021, 1, 1),
    )
    crowded = make_unit(b1, "五名党员企业", industry="物流", is_above_scale=True)
    for n in range(5):
        make_member(tree.org_b1, f"物流职工{n}", workplace_unit=crowded)
    make_unit(b1, "社会组织甲", kind=UnitKind.SOCIAL_ORG, industry="", liaison_name="联络员乙")
    make_unit(b1, "个体户甲", kind=UnitKind.INDIVIDUAL_BUSINESS, industry="餐饮")
    other = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    far_street = region_create(name="天平路街道", level=Region.Level.STREET, parent=other)
    far = make_unit(far_street, "徐汇企业")
    joint.covered_units.add(far, through_defaults={"since": dt.date(2021, 1, 1)})
    for n in range(3):
        make_member(tree.org_a1, f"跨区职工{n}", workplace_unit=far)
    return tree


def _check_report(user: Any, region: Region, day: dt.date) -> dict[str, Any]:
    report = coverage.coverage_report(user, region, day)
    f = coverage.figures(user, region, day)
    assert {k: v["count"] for k, v in report["figures"].items()} == f
    for by, rows in report["breakdowns"].items():
        for row in rows:
            if by == "formation":
                listed = coverage.figure_units(user, region, day, f"formation_{row['key']}")
                assert listed.count() == row["covered"], (by, row["key"])
                assert listed.filter(is_above_scale=True).count() == row["above_scale"]
                continue
            for field, figure in BREAKDOWN_FIGURES:
                listed = coverage.figure_units(user, region, day, figure, by, row["key"])
                assert listed.count() == row[field], (by, row["key"], field)
        if by in ("street", "area_type", "industry"):  # units outside communities exist
            assert sum(r["liangxin"] for r in rows) == f["liangxin"], by
            assert sum(r["violations"] for r in rows) == f["violations"], by
    return report


@pytest.mark.parametrize("day", [TODAY, dt.date(2020, 6, 30)])
def test_report_breakdowns_equal_figures_and_lists(
    registry: Any, personas: Any, day: dt.date
) -> None:
    user = personas.district_admin
    assert coverage._subquery_within(registry.district) == {"district_id": registry.district.pk}
    for region in (registry.district, registry.street_a, registry.street_b, registry.community_a1):
        _check_report(user, region, day)
    report = _check_report(user, registry.district, day)
    formation = {r["key"]: r["covered"] for r in report["breakdowns"]["formation"]}
    if day == TODAY:
        # the doubly covered unit counts under both formations, and once as covered
        assert formation == {"single": 1, "joint": 3, "temporary": 0}
        assert report["figures"]["liangxin_covered"]["count"] == 3
        assert report["figures"]["violations"]["count"] == 1
        industry = {r["key"]: r["liangxin"] for r in report["breakdowns"]["industry"]}
        assert industry == {"信息技术": 3, "餐饮": 1, "物流": 1, "": 1}
    else:
        assert formation == {"single": 1, "joint": 0, "temporary": 0}
    # the linked unit across the border counts there, not here
    assert coverage.region_figures(Region.objects.get(name="徐汇区"), TODAY)[
        "liangxin_covered"
    ] == (1)


def test_full_report_reads_the_units_once(
    registry: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    """The unit figures and all five breakdowns from one grouped statement, the
    organization figures (distinct covering organizations) from one over the links: the
    rest is the narrowing check, region names, floating members and the user's grants."""
    user = personas.district_admin
    coverage.coverage_report(user, registry.district, TODAY)  # grants cached per request
    with django_assert_max_num_queries(5) as ctx:
        coverage.coverage_report(user, registry.district, TODAY)
    unit_scans = [q["sql"] for q in ctx.captured_queries if '"orgs_unit"' in q["sql"]]
    grouped = [sql for sql in unit_scans if "COUNT(DISTINCT" not in sql]
    assert (len(grouped), len(unit_scans)) == (1, 2), [sql[:120] for sql in unit_scans]


def test_trend_counts_each_unit_once_per_month_end(tree: Any, personas: Any) -> None:
    user = personas.district_admin
    c1 = tree.community_a1
    twice = make_unit(c1, "两个党组织覆盖", registered_on=dt.date(2019, 1, 1))
    make_party_org(c1, "单建支部", covered_units=[twice], founded_on=dt.date(2021, 1, 1))
    make_party_org(
        c1,
        "联建支部",
        formation=PartyOrg.Formation.JOINT,
        covered_units=[twice, tree.unit_a1],
        founded_on=dt.date(2021, 2, 1),
    )
    # covered until its link ended on 2021-04-15
    ended = make_unit(c1, "链接已终止", registered_on=dt.date(2019, 1, 1))
    org = make_party_org(c1, "终止支部", covered_units=[ended], founded_on=dt.date(2021, 1, 1))
    OrgUnitCoverage.objects.filter(party_org=org).update(until=dt.date(2021, 4, 15))
    # deregistered on 2021-03-10 while its link stays open
    gone = make_unit(c1, "已注销仍有链接", registered_on=dt.date(2019, 1, 1))
    make_party_org(c1, "注销单位支部", covered_units=[gone], founded_on=dt.date(2021, 1, 1))
    unit_deactivate(gone, on=dt.date(2021, 3, 10))
    # its organization dissolved on 2021-03-01
    dissolved = make_unit(c1, "组织已撤销", registered_on=dt.date(2019, 1, 1))
    make_party_org(
        c1,
        "撤销支部",
        covered_units=[dissolved],
        founded_on=dt.date(2021, 1, 1),
        dissolved_on=dt.date(2021, 3, 1),
    )
    OrgUnitCoverage.objects.filter(unit=tree.unit_building).update(since=dt.date(2021, 5, 1))

    trend = coverage.coverage_trend(user, tree.district, dt.date(2021, 5, 20), months=6)
    assert [p["date"] for p in trend] == [
        "2020-12-31",
        "2021-01-31",
        "2021-02-28",
        "2021-03-31",
        "2021-04-30",
        "2021-05-20",
    ]
    # Jan: twice, ended, gone, dissolved; Feb: + unit_a1 (joint); Mar: - gone, - dissolved;
    # Apr: - ended (link ended); May: + unit_building
    assert [p["covered"] for p in trend] == [0, 4, 5, 3, 2, 3]
    assert [p["liangxin"] for p in trend] == [7, 7, 7, 6, 6, 6]
    for point in trend:
        f = coverage.figures(user, tree.district, dt.date.fromisoformat(point["date"]))
        assert (point["liangxin"], point["covered"]) == (f["liangxin"], f["liangxin_covered"])
    street = coverage.coverage_trend(personas.street_staff, tree.street_b, TODAY, months=2)
    assert [p["covered"] for p in street] == [0, 0]


def test_breakdowns_read_only_the_breakdown_flags() -> None:
    """The place and industry groupings carry only `BREAKDOWN_FLAGS`: every breakdown
    value and formation row must come out the same whatever the other flags are."""
    import itertools

    others = [f for f in coverage.REPORT_FLAGS if f not in coverage.BREAKDOWN_FLAGS]
    assert others == ["has_liaison", "has_member"]
    tests = coverage._BREAKDOWN_TESTS + coverage._FORMATION_TESTS
    bools = [f for f in coverage.BREAKDOWN_FLAGS if f != "kind"]
    for kind in UnitKind.values:
        for values in itertools.product((False, True), repeat=len(bools)):
            base = {"kind": kind, **dict(zip(bools, values, strict=True))}
            base["formation_single"] = base["independent"]
            seen = {
                tuple(test({**base, **dict(zip(others, extra, strict=True))}) for _, test in tests)
                for extra in itertools.product((False, True, None), repeat=len(others))
            }
            assert len(seen) == 1, (base, seen)


def test_report_for_a_user_without_scope_is_empty(tree: Any, personas: Any) -> None:
    """No grant with the permission: the scope filter matches nothing, and the report,
    built on the compiled scoped queryset, must still answer zeros (not raise)."""
    report = coverage.coverage_report(personas.outsider, tree.district, TODAY)
    assert all(f["count"] == 0 for f in report["figures"].values())
    assert report["breakdowns"]["street"] == [] and report["breakdowns"]["industry"] == []
    assert all(r["covered"] == 0 for r in report["breakdowns"]["formation"])
    trend = coverage.coverage_trend(personas.outsider, tree.district, TODAY, months=2)
    assert [(p["liangxin"], p["covered"], p["rate"]) for p in trend] == [(0, 0, None)] * 2
