"""Coverage figures on a small hand-built registry, as of different dates, within scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from lianjian.orgs import coverage
from lianjian.orgs.models import PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.services import party_org_deactivate, unit_deactivate
from lianjian.orgs.tests.factories import make_member, make_party_org, make_unit

TODAY = timezone.localdate()


@dataclass
class Ledger:
    single: Unit
    violating: Unit
    liaison: Unit
    old: Unit
    team: Unit
    individual: Unit
    b_unit: Unit


@pytest.fixture
def ledger(tree: Any) -> Ledger:
    c1 = tree.community_a1
    single = make_unit(c1, "单建企业", is_above_scale=True, registered_on=dt.date(2015, 1, 1))
    make_party_org(c1, "单建企业党支部", covered_units=[single], founded_on=dt.date(2020, 1, 1))
    violating = make_unit(c1, "三名党员企业", industry="餐饮")
    for n in range(3):
        make_member(
            tree.org_a1, f"职工{n}", workplace_unit=violating, joined_on=dt.date(2018, 1, 1)
        )
    liaison = make_unit(c1, "有联络员企业", liaison_name="联络员甲", kind=UnitKind.SOCIAL_ORG)
    old = make_unit(c1, "已注销企业", registered_on=dt.date(2010, 1, 1))
    unit_deactivate(old, on=dt.date(2019, 6, 30))
    team = make_unit(c1, "广场舞队", kind=UnitKind.COMMUNITY_TEAM, credit_code=None)
    individual = make_unit(c1, "小吃店", kind=UnitKind.INDIVIDUAL_BUSINESS)
    b_unit = make_unit(tree.community_b1, "程家桥企业", is_above_scale=True)
    make_member(
        tree.org_b1,
        "程家桥职工",
        workplace_unit=b_unit,
        joined_on=dt.date(2018, 1, 1),
        is_floating=True,
        floating_to="江苏省南京市",
    )
    return Ledger(single, violating, liaison, old, team, individual, b_unit)


def ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_district_figures_today(tree: Any, personas: Any, ledger: Ledger) -> None:
    f = coverage.figures(personas.district_admin, tree.district, TODAY)
    # 两新: unit_a1, unit_a2, unit_building, single, violating, liaison, b_unit
    assert f["liangxin"] == 7
    assert f["liangxin_covered"] == 2  # unit_building (joint) + single
    assert (f["excluded_team"], f["excluded_individual"]) == (1, 1)
    assert (f["above_scale"], f["above_scale_covered"]) == (2, 1)
    assert f["violations"] == 1 and f["members_no_org"] == 2
    assert f["no_member"] == 5 and f["work_covered"] == 3  # liaison, single, unit_building
    report = coverage.coverage_report(personas.district_admin, tree.district, TODAY)
    assert report["rates"]["organization_coverage"] == round(2 * 100 / 7, 1)
    assert report["rates"]["above_scale_coverage"] == 50.0
    assert report["floating_members"]["by_place"] == [{"place": "江苏省南京市", "count": 1}]
    streets = {r["label"]: (r["liangxin"], r["covered"]) for r in report["breakdowns"]["street"]}
    assert streets == {"虹桥街道": (6, 2), "程家桥街道": (1, 0)}
    formation = {r["key"]: r["liangxin"] for r in report["breakdowns"]["formation"]}
    assert formation == {"single": 1, "joint": 1, "temporary": 0}
    area = {r["key"]: r["liangxin"] for r in report["breakdowns"]["area_type"]}
    assert area == {"residential": 6, "building": 1}


def test_covering_orgs_counts_each_organization_covering_a_liangxin_unit_once(
    tree: Any, personas: Any, ledger: Ledger, client_for: Any
) -> None:
    """Seed 002's "党组织837个，覆盖3098家": organizations, not units, as of the date."""
    c1, b1 = tree.community_a1, tree.community_b1
    y2022 = {"founded_on": dt.date(2022, 1, 1)}  # links open on the founding day
    a = make_unit(c1, "联合甲", registered_on=dt.date(2021, 1, 1))
    b = make_unit(b1, "联合乙", registered_on=dt.date(2021, 1, 1))
    across = make_party_org(
        c1, "跨街道联合党支部", formation="joint", covered_units=[a, b], **y2022
    )
    soe = make_unit(c1, "国企甲", kind=UnitKind.STATE_ENTERPRISE)
    make_party_org(c1, "国企甲党委", covered_units=[soe])  # covers no 两新 unit
    also = make_party_org(c1, "单建企业第二支部", covered_units=[ledger.single], **y2022)
    gone = make_party_org(c1, "已撤销联合支部", formation="joint", covered_units=[a], **y2022)
    party_org_deactivate(gone, on=TODAY)
    user = personas.district_admin

    f = coverage.figures(user, tree.district, TODAY)
    # 东银中心楼宇联合党支部, 单建企业党支部, the one across two streets, the second branch
    assert f["covering_orgs"] == 4
    assert f["liangxin_covered"] == 4  # unit_building, single, 联合甲, 联合乙
    street_a = coverage.figures(user, tree.street_a, TODAY)["covering_orgs"]
    street_b = coverage.figures(user, tree.street_b, TODAY)["covering_orgs"]
    assert (street_a, street_b) == (4, 1)  # the cross-street branch counts in each street
    # yesterday `gone` still covered 联合甲; the links of today's 东银 branch had not opened
    yesterday = TODAY - dt.timedelta(days=1)
    assert coverage.figures(user, tree.district, yesterday)["covering_orgs"] == 4
    # in 2021 only 单建企业党支部 (founded 2020) covered anything
    assert coverage.figures(user, tree.district, dt.date(2021, 6, 1))["covering_orgs"] == 1
    # the scope: 虹桥街道's staff see the units of their street only
    assert coverage.figures(personas.street_staff, tree.district, TODAY)["covering_orgs"] == 4
    assert coverage.region_figures(tree.district, TODAY)["covering_orgs"] == 4
    report = coverage.coverage_report(user, tree.district, TODAY)
    assert report["figures"]["covering_orgs"] == {"label": "覆盖两新组织的党组织（个）", "count": 4}

    client = client_for(user)
    data = client.get(f"/api/v1/coverage?region={tree.district.pk}").json()
    assert data["figures"]["covering_orgs"]["count"] == 4
    page = client.get(f"/orgs/ledger/coverage/?region={tree.district.pk}").content.decode()
    assert 'id="fig-covering-orgs">4<' in page
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "covering_orgs" in schema["LedgerCoverageOut"]["properties"]["figures"]["description"]
    assert also.pk and across.pk


def test_drill_down_matches_every_figure(tree: Any, personas: Any, ledger: Ledger) -> None:
    user = personas.district_admin
    f = coverage.figures(user, tree.district, TODAY)
    for key in coverage.FIGURES:
        assert coverage.figure_units(user, tree.district, TODAY, key).count() == f[key], key
    assert ids(coverage.figure_units(user, tree.district, TODAY, "violations")) == {
        ledger.violating.pk
    }
    assert ids(coverage.figure_units(user, tree.district, TODAY, "excluded_team")) == {
        ledger.team.pk
    }
    by_street = coverage.figure_units(
        user, tree.district, TODAY, "liangxin", "street", str(tree.street_b.pk)
    )
    assert ids(by_street) == {ledger.b_unit.pk}
    joint = coverage.figure_units(user, tree.district, TODAY, "formation_joint")
    assert ids(joint) == {tree.unit_building.pk}


def test_as_of_dates_follow_registry_history(tree: Any, personas: Any, ledger: Ledger) -> None:
    user = personas.district_admin
    past = coverage.figures(user, tree.district, dt.date(2019, 1, 1))
    # the deregistered unit still existed; no coverage link had started; members joined 2018
    assert past["liangxin"] == 8 and past["liangxin_covered"] == 0
    assert past["violations"] == 1
    older = coverage.figures(user, tree.district, dt.date(2017, 6, 1))
    assert older["violations"] == 0 and older["members_no_org"] == 0
    mid = coverage.figures(user, tree.district, dt.date(2021, 1, 1))
    assert mid["liangxin"] == 7 and mid["liangxin_covered"] == 1  # single's org founded 2020
    org = PartyOrg.objects.get(name="单建企业党支部")
    org.dissolved_on = dt.date(2022, 1, 1)
    org.save(update_fields=["dissolved_on"])
    assert coverage.figures(user, tree.district, dt.date(2021, 12, 31))["liangxin_covered"] == 1
    assert coverage.figures(user, tree.district, dt.date(2022, 1, 1))["liangxin_covered"] == 0
    trend = coverage.coverage_trend(user, tree.district, dt.date(2021, 3, 15), months=3)
    assert [p["date"] for p in trend] == ["2021-01-31", "2021-02-28", "2021-03-15"]
    assert [p["covered"] for p in trend] == [1, 1, 1]


def test_scope_secretary_sees_only_own_community(
    tree: Any, personas: Any, ledger: Ledger, client_for: Any
) -> None:
    from lianjian.core.models import AuditEvent

    sec = personas.secretary_a1
    own = coverage.figures(sec, tree.community_a1, TODAY)
    assert own["liangxin"] == 4  # unit_a1, single, violating, liaison
    client = client_for(sec)
    assert client.get(f"/orgs/ledger/coverage/?region={tree.community_a1.pk}").status_code == 200
    denied_before = AuditEvent.objects.filter(action="access.denied").count()
    for region in (tree.community_a2, tree.street_a, tree.district):
        assert client.get(f"/orgs/ledger/coverage/?region={region.pk}").status_code == 404
        assert client.get(f"/api/v1/coverage?region={region.pk}").status_code == 404
        url = f"/orgs/ledger/coverage/units/?region={region.pk}&figure=liangxin"
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() > denied_before
    street = client_for(personas.street_staff)
    assert street.get(f"/api/v1/coverage?region={tree.street_b.pk}").status_code == 404
    # roles without the permission are refused outright
    assert client_for(personas.unit_admin).get("/orgs/ledger/coverage/").status_code == 403
    assert client_for(personas.member).get("/api/v1/coverage").status_code == 403


def test_page_api_drill_down_and_export(
    tree: Any, personas: Any, ledger: Ledger, client_for: Any
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = client_for(personas.street_staff)
    page = client.get("/orgs/ledger/coverage/")
    html = page.content.decode()
    assert page.status_code == 200 and "虹桥街道" in html and 'data-chart="chart-trend"' in html
    data = client.get(
        f"/api/v1/coverage?region={tree.street_a.pk}&as_of={TODAY.isoformat()}"
    ).json()
    assert data["figures"]["liangxin"]["count"] == 6
    assert data["figures"]["liangxin_covered"]["count"] == 2
    assert data["rates"]["organization_coverage"] == 33.3
    assert "street" not in data["breakdowns"] and "community" in data["breakdowns"]
    assert client.get("/api/v1/coverage?as_of=2017-13-01").status_code == 422
    drill = client.get(f"/orgs/ledger/coverage/units/?region={tree.street_a.pk}&figure=violations")
    assert drill.status_code == 200 and "三名党员企业" in drill.content.decode()
    assert "小吃店" not in drill.content.decode()
    export = client.get(
        f"/orgs/ledger/coverage/units/export/?region={tree.street_a.pk}&figure=violations"
    )
    rows = list(
        load_workbook(BytesIO(b"".join(export.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert [r[0] for r in rows[1:]] == ["三名党员企业"]
    report = client.get(f"/orgs/ledger/coverage/export/?region={tree.street_a.pk}")
    wb = load_workbook(BytesIO(b"".join(report.streaming_content)))
    assert "覆盖统计" in wb.sheetnames and "按社区" in wb.sheetnames
    assert client.get("/orgs/ledger/coverage/units/?figure=nonsense").status_code == 404


def test_region_levels_for_breakdowns(tree: Any, personas: Any, ledger: Ledger) -> None:
    report = coverage.coverage_report(personas.district_admin, tree.community_a1, TODAY)
    assert set(report["breakdowns"]) == {"area_type", "industry", "formation"}
    assert tree.community_a1.level == Region.Level.COMMUNITY


def test_trend_and_breakdowns_agree_with_figures_and_drill_down(
    tree: Any, personas: Any, ledger: Ledger
) -> None:
    """The lean trend and formation queries must count what the figures and lists count."""
    user = personas.district_admin
    trend = coverage.coverage_trend(user, tree.district, dt.date(2020, 2, 10), months=14)
    # "old" is deregistered on 2019-06-30: gone from that month end on
    assert [p["liangxin"] for p in trend][:7] == [8] * 5 + [7, 7]
    for point in trend:
        f = coverage.figures(user, tree.district, dt.date.fromisoformat(point["date"]))
        assert (point["liangxin"], point["covered"]) == (f["liangxin"], f["liangxin_covered"])
    assert trend[-1]["covered"] == 1 and trend[0]["covered"] == 0  # single's org founded 2020
    report = coverage.coverage_report(user, tree.district, TODAY)
    for by, rows in report["breakdowns"].items():
        assert rows, by
        for row in rows:
            for figure, field in (("liangxin", "liangxin"), ("liangxin_covered", "covered")):
                if by == "formation":
                    if field == "liangxin":
                        continue
                    figure = f"formation_{row['key']}"
                    listed = coverage.figure_units(user, tree.district, TODAY, figure)
                else:
                    listed = coverage.figure_units(
                        user, tree.district, TODAY, figure, by, row["key"]
                    )
                assert listed.count() == row[field], (by, row["key"], field)


def test_flags_narrowed_once_other_districts_exist(
    tree: Any, personas: Any, ledger: Ledger
) -> None:
    """With a second district the link subqueries are narrowed to the report's units;
    the figures must come out the same as without narrowing, for both districts, and a
    member working in the other district counts for that district's unit only."""
    from lianjian.orgs.services import region_create

    user = personas.district_admin
    alone = coverage.figures(user, tree.district, TODAY)
    assert coverage._subquery_within(tree.district) == {}
    other = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    street = region_create(name="天平路街道", level=Region.Level.STREET, parent=other)
    far = make_unit(street, "徐汇三名党员企业")
    org = make_party_org(street, "徐汇街道党支部")
    for n in range(3):
        make_member(org, f"徐汇职工{n}", workplace_unit=far, joined_on=dt.date(2018, 1, 1))
    # a member of 长宁's org working in the new district counts there, not here
    make_member(tree.org_a1, "跨区职工", workplace_unit=far, joined_on=dt.date(2018, 1, 1))
    assert coverage._subquery_within(tree.district) == {"district_id": tree.district.pk}
    assert coverage.figures(user, tree.district, TODAY) == alone
    there = coverage.region_figures(other, TODAY)
    assert there["liangxin"] == 1 and there["violations"] == 1 and there["members_no_org"] == 1


def test_statements_compiled_once_per_scope_and_run_for_any_date(
    tree: Any, personas: Any, ledger: Ledger
) -> None:
    """Figures and the report reuse one compiled statement per scope and region; each run
    swaps its date in, and gives what the ORM query built for that date gives."""
    user = personas.district_admin
    coverage._tally_statement.cache_clear()
    coverage._report_statement.cache_clear()
    days = [dt.date(2016, 1, 1), dt.date(2019, 1, 1), TODAY]
    for day in days:
        built = coverage.count_figures(
            coverage.tally(coverage.annotated_units(user, tree.district, day))
        )
        # the organization figures are counted apart, by one ORM query, on both paths
        built |= coverage.org_figures(user, tree.district, day)
        assert coverage.figures(user, tree.district, day) == built, day
        report = coverage.coverage_report(user, tree.district, day)
        assert {k: f["count"] for k, f in report["figures"].items()} == {
            k: built[k] for k in (*coverage.FIGURES, *coverage.ORG_FIGURES)
        }
    assert coverage.figures(user, tree.district, days[0]) != coverage.figures(
        user, tree.district, TODAY
    )
    assert coverage._tally_statement.cache_info().misses == 1
    assert coverage._report_statement.cache_info().misses == 1
    # another scope (a street's staff) compiles its own
    coverage.figures(personas.street_staff, tree.street_a, TODAY)
    assert coverage._tally_statement.cache_info().misses == 2


def test_a_party_organization_grant_reuses_its_compiled_statements(tree: Any) -> None:
    """The statements are cached by the grants' kinds and ids (`access.scope_key`): a
    Party-organization grant, whose filter holds a subquery of the covered units (a `Q`
    that never equals the next request's), must hit as a region grant does."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    user = User.objects.create(username="org_secretary", display_name="楼宇党支部书记")
    grant_add(user, Role.COMMUNITY_SECRETARY, party_org=tree.org_building)
    coverage._tally_statement.cache_clear()
    coverage._report_statement.cache_clear()
    first = coverage.figures(user, tree.district, TODAY)
    report = coverage.coverage_report(user, tree.district, TODAY)
    for _ in range(2):  # later requests: the same grants, loaded afresh
        again = User.objects.get(pk=user.pk)
        assert coverage.figures(again, tree.district, TODAY) == first
        again_report = coverage.coverage_report(again, tree.district, TODAY)
        assert again_report["figures"] == report["figures"]
    assert coverage._tally_statement.cache_info().misses == 1
    assert coverage._report_statement.cache_info().misses == 1
    # the organization reaches the unit it covers, and the list behind the figure agrees
    listed = coverage.figure_units(again, tree.district, TODAY, "liangxin_covered")
    assert set(listed.values_list("pk", flat=True)) == {tree.unit_building.pk}
    assert first["liangxin_covered"] == 1
