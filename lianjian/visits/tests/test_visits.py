"""Visits: the ledger, scope per persona, raising needs, coverage, cross-appointment."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lianjian.orgs.models import UnitKind
from lianjian.orgs.tests.factories import make_unit
from lianjian.visits import selectors, services
from lianjian.visits.models import Cadre, CadrePost, Visit, VisitNeed
from lianjian.visits.services import VisitError

DAY = dt.date(2026, 3, 10)
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


@dataclass
class Ledger:
    a1: Visit  # unit_a1, community a1
    a2: Visit  # unit_a2, community a2
    building: Visit  # unit_building, building in street a
    b: Visit  # a unit in street b
    unit_b: Any


def _visit(unit: Any, day: dt.date = DAY, **kw: Any) -> Visit:
    args: dict[str, Any] = {
        "unit": unit,
        "visited_on": day,
        "visitors": "张主任、李干事",
        "findings": "企业经营正常，党员 3 名，希望对接人才招聘服务",
    }
    args.update(kw)
    return services.visit_record(**args)


@pytest.fixture
def ledger(tree: Any) -> Ledger:
    unit_b = make_unit(region=tree.community_b1, name="机场物流有限公司")
    return Ledger(
        a1=_visit(tree.unit_a1),
        a2=_visit(tree.unit_a2),
        building=_visit(tree.unit_building),
        b=_visit(unit_b),
        unit_b=unit_b,
    )


def _api(client: Any, method: str, path: str, body: Any = None) -> Any:
    url = "/api/v1" + path
    if method == "get":
        return client.get(url)
    return client.post(url, data=json.dumps(body), content_type="application/json")


# ---------------------------------------------------------------- services


@pytest.mark.django_db
def test_visit_record_is_located_where_the_unit_is(tree: Any) -> None:
    visit = _visit(tree.unit_building, method="meeting")
    assert visit.street_id == tree.street_a.pk
    assert visit.area_id == tree.building_a.pk
    assert visit.district_id == tree.district.pk
    assert visit.community_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visited_on": timezone.localdate() + dt.timedelta(days=1)}, "visited_on"),
        ({"visited_on": dt.date(1999, 12, 31)}, "visited_on"),
        ({"findings": "   "}, "findings"),
        ({"visitors": ""}, "visitors"),
        ({"method": "telepathy"}, "method"),
        ({"follow_up_status": "pending", "follow_up": ""}, "follow_up"),
        ({"findings": "很" * 5001}, "findings"),
    ],
)
def test_visit_record_refuses_bad_input(tree: Any, change: dict[str, Any], field: str) -> None:
    with pytest.raises(VisitError) as exc:
        _visit(tree.unit_a1, **change)
    assert exc.value.field == field
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_visit_record_refuses_deregistered_unit_and_wrong_post(tree: Any) -> None:
    from lianjian.orgs.models import Unit

    cadre = services.cadre_create(
        name="赵书记", party_org=tree.org_a1, title="书记", since=dt.date(2025, 1, 1)
    )
    with pytest.raises(VisitError, match="未在所选党组织任职"):
        _visit(tree.unit_a1, cadre=cadre, party_org=tree.org_a2)
    Unit.objects.filter(pk=tree.unit_a2.pk).update(is_active=False)
    tree.unit_a2.refresh_from_db()
    with pytest.raises(VisitError, match="已注销"):
        _visit(tree.unit_a2)
    assert Visit.objects.count() == 0


# ---------------------------------------------------------------- scope per persona

EXPECTED_VISIBLE = {
    "district_admin": {"a1", "a2", "building", "b"},
    "street_staff": {"a1", "a2", "building"},
    "secretary_a1": {"a1"},
    "secretary_a2": {"a2"},
    "unit_admin": {"building"},
}
NO_ACCESS = ("dept_handler", "member", "merchant", "outsider", "audit_admin", "security_admin")


@pytest.mark.django_db
def test_list_page_and_api_follow_each_personas_scope(
    personas: Any, ledger: Ledger, client_for: Any
) -> None:
    names = {getattr(ledger, k).pk: k for k in ("a1", "a2", "building", "b")}
    for persona, expected in EXPECTED_VISIBLE.items():
        client = client_for(getattr(personas, persona))
        page = client.get(reverse("visits:list"))
        assert page.status_code == 200, persona
        shown = {names[v.pk] for v in page.context["page"].object_list}
        assert shown == expected, persona
        api = _api(client, "get", "/visits?limit=100").json()
        assert {names[item["id"]] for item in api["items"]} == expected, persona
        assert api["count"] == len(expected)
    for persona in NO_ACCESS:
        client = client_for(getattr(personas, persona))
        assert client.get(reverse("visits:list")).status_code == 403, persona
        assert _api(client, "get", "/visits").status_code == 403, persona
        assert _api(client, "get", "/visits/coverage").status_code == 403, persona


@pytest.mark.django_db
def test_out_of_scope_detail_is_404(personas: Any, ledger: Ledger, client_for: Any) -> None:
    from lianjian.core.models import AuditEvent

    client = client_for(personas.secretary_a1)
    assert client.get(reverse("visits:detail", args=[ledger.a1.pk])).status_code == 200
    before = AuditEvent.objects.filter(action="access.denied").count()
    assert client.get(reverse("visits:detail", args=[ledger.a2.pk])).status_code == 404
    assert _api(client, "get", f"/visits/{ledger.a2.pk}").status_code == 404
    assert _api(client, "get", "/visits/999999").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 3


@pytest.mark.django_db
def test_nav_shows_visits_to_staff_only(personas: Any, client_for: Any) -> None:
    page = client_for(personas.street_staff).get(reverse("visits:list"))
    assert ("走访", "visits:list") in page.context["nav_items"]
    home = client_for(personas.dept_handler).get(reverse("needs:list"))
    assert ("走访", "visits:list") not in home.context["nav_items"]


@pytest.mark.django_db
def test_list_page_query_budget(
    personas: Any, ledger: Ledger, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        _visit(ledger.unit_b if i % 2 else ledger.a1.unit, DAY - dt.timedelta(days=i))
    client = client_for(personas.district_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("visits:list")).status_code == 200


# ---------------------------------------------------------------- recording


@pytest.mark.django_db
def test_create_page_records_in_scope_and_refuses_outside(
    personas: Any, tree: Any, client_for: Any
) -> None:
    client = client_for(personas.secretary_a1)
    form = {
        "unit": tree.unit_a1.pk,
        "visited_on": "2026-03-01",
        "method": "on_site",
        "visitors": "陈书记",
        "findings": "物业服务需要加强党建引领",
        "follow_up": "",
        "follow_up_status": "none",
    }
    response = client.post(reverse("visits:create"), form)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.unit == tree.unit_a1 and visit.created_by == personas.secretary_a1
    # a unit of the sibling community is not found in this secretary's scope
    response = client.post(reverse("visits:create"), {**form, "unit": tree.unit_a2.pk})
    assert response.status_code == 200
    assert "找不到该单位" in response.content.decode()
    # a bad date is shown on its field
    response = client.post(reverse("visits:create"), {**form, "visited_on": "2099-01-01"})
    assert "不能晚于今天" in response.content.decode()
    assert Visit.objects.count() == 1
    # view-only roles cannot record
    unit_admin = client_for(personas.unit_admin)
    assert unit_admin.get(reverse("visits:create")).status_code == 403
    form["unit"] = tree.unit_building.pk
    assert unit_admin.post(reverse("visits:create"), form).status_code == 403
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_api_create_checks_every_reference(personas: Any, tree: Any, client_for: Any) -> None:
    client = client_for(personas.secretary_a1)
    body = {
        "unit": tree.unit_a1.pk,
        "visited_on": "2026-03-01",
        "visitors": "陈书记",
        "findings": "走访情况良好",
    }
    response = _api(client, "post", "/visits", body)
    assert response.status_code == 201, response.content
    assert response.json()["unit_name"] == tree.unit_a1.name
    for bad in (
        {"unit": tree.unit_a2.pk},
        {"party_org": tree.org_a2.pk},
        {"findings": ""},
        {"visited_on": "2099-01-01"},
    ):
        response = _api(client, "post", "/visits", {**body, **bad})
        assert response.status_code == 400, bad
        assert response.json()["detail"]
    assert _api(client_for(personas.unit_admin), "post", "/visits", body).status_code == 403
    assert Visit.objects.count() == 1


# ---------------------------------------------------------------- raising a need


@pytest.mark.django_db
def test_raise_need_from_visit_in_one_step(personas: Any, ledger: Ledger, client_for: Any) -> None:
    from lianjian.needs.models import Need

    client = client_for(personas.secretary_a1)
    response = client.post(
        reverse("visits:raise_need", args=[ledger.a1.pk]),
        {"text": "物业希望街道协调招聘保洁人员", "contact_phone": "13912345678"},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.channel == "visit" and need.unit_id == ledger.a1.unit_id
    assert need.street_id == ledger.a1.street_id
    assert VisitNeed.objects.get().visit_id == ledger.a1.pk
    detail = client.get(reverse("visits:detail", args=[ledger.a1.pk]))
    assert need.tracking_code in detail.content.decode()
    # the needs app refuses a bad phone: nothing is written, the message is shown
    response = client.post(
        reverse("visits:raise_need", args=[ledger.a1.pk]),
        {"text": "再提一个", "contact_phone": "12345"},
    )
    assert response.status_code == 200 and "手机号" in response.content.decode()
    # out of scope: 404, nothing written
    response = client.post(
        reverse("visits:raise_need", args=[ledger.a2.pk]),
        {"text": "越权提出", "contact_phone": "13912345678"},
    )
    assert response.status_code == 404
    api = _api(
        client,
        "post",
        f"/visits/{ledger.a2.pk}/needs",
        {"text": "越权提出", "contact_phone": "13912345678"},
    )
    assert api.status_code == 404
    assert Need.objects.count() == 1 and VisitNeed.objects.count() == 1


@pytest.mark.django_db
def test_api_raise_need(personas: Any, ledger: Ledger, client_for: Any) -> None:
    client = client_for(personas.street_staff)
    response = _api(
        client,
        "post",
        f"/visits/{ledger.building.pk}/needs",
        {"text": "楼宇企业希望开展白领交友活动", "contact_phone": "13812340000"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["tracking_code"]
    got = _api(client, "get", f"/visits/{ledger.building.pk}").json()
    assert got["need_ids"] == [response.json()["need_id"]]


@pytest.mark.django_db
def test_follow_up_update(personas: Any, ledger: Ledger, client_for: Any) -> None:
    client = client_for(personas.secretary_a1)
    url = reverse("visits:follow_up", args=[ledger.a1.pk])
    client.post(url, {"follow_up_status": "pending", "follow_up": "下周回访"})
    ledger.a1.refresh_from_db()
    assert ledger.a1.follow_up_status == "pending" and ledger.a1.follow_up == "下周回访"
    client.post(url, {"follow_up_status": "pending", "follow_up": ""})
    ledger.a1.refresh_from_db()
    assert ledger.a1.follow_up == "下周回访"  # refused: pending needs a text
    other = client.post(
        reverse("visits:follow_up", args=[ledger.a2.pk]), {"follow_up_status": "done"}
    )
    assert other.status_code == 404
    ledger.a2.refresh_from_db()
    assert ledger.a2.follow_up_status == "none"


# ---------------------------------------------------------------- coverage


@pytest.mark.django_db
def test_visit_coverage_counts_liangxin_units_in_period(
    personas: Any, tree: Any, client_for: Any
) -> None:
    # street a: unit_a1, unit_a2, unit_building are 非公企业 (two-new) by the factory
    social = make_unit(region=tree.community_a1, kind=UnitKind.SOCIAL_ORG, name="虹储社工站")
    shop = make_unit(region=tree.community_a1, kind=UnitKind.INDIVIDUAL_BUSINESS, name="虹储小吃店")
    _visit(tree.unit_a1)
    _visit(tree.unit_a1, DAY + dt.timedelta(days=1))  # two visits, one unit
    _visit(tree.unit_building)
    _visit(social, dt.date(2025, 12, 31))  # before the period
    _visit(shop)  # not a two-new unit: counts as a visit, not in the rate
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    report = selectors.visit_coverage(personas.street_staff, start, end)
    assert (report.units, report.visited, report.visits) == (4, 2, 4)
    assert report.rate == 50.0
    by_community = selectors.visit_coverage(personas.street_staff, start, end, group="community")
    rows = {r.name: (r.units, r.visited) for r in by_community.rows}
    assert rows["虹储居民区"] == (2, 1)
    assert rows["虹仙居民区"] == (1, 0)
    # a secretary sees only their community
    mine = selectors.visit_coverage(personas.secretary_a1, start, end)
    assert (mine.units, mine.visited) == (2, 1)
    # the API and the page say the same
    data = _api(
        client_for(personas.street_staff), "get", "/visits/coverage?start=2026-01-01&end=2026-06-30"
    ).json()
    assert (data["units"], data["visited"], data["rate"]) == (4, 2, 50.0)
    page = client_for(personas.street_staff).get(reverse("visits:coverage"), PERIOD)
    assert page.status_code == 200 and page.context["report"].visited == 2
    bad = _api(
        client_for(personas.street_staff), "get", "/visits/coverage?start=2026-07-01&end=2026-01-01"
    )
    assert bad.status_code == 400
    other = _api(
        client_for(personas.secretary_a1), "get", f"/visits/coverage?region={tree.street_b.pk}"
    )
    assert other.status_code == 404


# ---------------------------------------------------------------- cross-appointment


@pytest.fixture
def cadres(tree: Any) -> dict[str, Cadre]:
    cross = services.cadre_create(
        name="王交叉", party_org=tree.org_a1, title="副书记", since=dt.date(2025, 1, 1)
    )
    services.cadre_post_add(
        cross, party_org=tree.org_building, title="委员", since=dt.date(2025, 6, 1)
    )
    single = services.cadre_create(
        name="钱单一", party_org=tree.org_a2, title="书记", since=dt.date(2025, 1, 1)
    )
    return {"cross": cross, "single": single}


@pytest.mark.django_db
def test_cross_appointed_visits_and_needs_count_for_both_orgs(
    personas: Any, tree: Any, cadres: dict[str, Cadre]
) -> None:
    cross = cadres["cross"]
    v1 = _visit(tree.unit_building, cadre=cross, party_org=tree.org_building)
    _visit(tree.unit_a1, cadre=cross)
    _visit(tree.unit_a2, cadre=cadres["single"], party_org=tree.org_a2)
    services.visit_raise_need(v1, text="楼宇企业希望对接法律服务", contact_phone="13900001111")
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    report = selectors.cross_appointment_report(personas.street_staff, start, end)
    rows = {r.cadre.name: r for r in report.cadres}
    assert rows["王交叉"].cross_appointed and not rows["钱单一"].cross_appointed
    assert (rows["王交叉"].visits, rows["王交叉"].needs) == (2, 1)
    orgs = {r.party_org.pk: r for r in report.orgs}
    # both of 王交叉's visits count for both of their organizations, once each
    assert (orgs[tree.org_a1.pk].visits, orgs[tree.org_a1.pk].needs) == (2, 1)
    assert (orgs[tree.org_building.pk].visits, orgs[tree.org_building.pk].needs) == (2, 1)
    assert orgs[tree.org_building.pk].kind == "building"
    assert orgs[tree.org_a1.pk].kind == "residential"
    assert orgs[tree.org_a2.pk].visits == 1
    only = selectors.cross_appointment_report(personas.street_staff, start, end, only_cross=True)
    assert [r.cadre.name for r in only.cadres] == ["王交叉"]
    # a post ended before the period no longer makes the cadre cross-appointed
    post = CadrePost.objects.get(cadre=cross, party_org=tree.org_building)
    services.cadre_post_end(post, until=dt.date(2025, 12, 31))
    later = selectors.cross_appointment_report(personas.street_staff, start, end)
    assert not {r.cadre.name: r for r in later.cadres}["王交叉"].cross_appointed
    # the building visit still counts for the org it names, not through the ended post
    assert {r.party_org.pk: r for r in later.orgs}[tree.org_building.pk].via_cadres == 0


@pytest.mark.django_db
def test_cross_appointment_scope(
    personas: Any, tree: Any, cadres: dict[str, Cadre], client_for: Any
) -> None:
    secretary = client_for(personas.secretary_a2)
    page = secretary.get(reverse("visits:cadre_list"), PERIOD)
    assert [r.cadre.name for r in page.context["report"].cadres] == ["钱单一"]
    assert {r.party_org.pk for r in page.context["report"].orgs} == {tree.org_a2.pk}
    assert (
        secretary.get(reverse("visits:cadre_detail", args=[cadres["cross"].pk])).status_code == 404
    )
    data = _api(
        client_for(personas.unit_admin), "get", "/visits/cross-appointments?cross=true"
    ).json()
    assert [c["name"] for c in data["cadres"]] == ["王交叉"]
    assert [o["party_org_id"] for o in data["orgs"]] == [tree.org_building.pk]


@pytest.mark.django_db
def test_cadre_pages_create_and_add_post(personas: Any, tree: Any, client_for: Any) -> None:
    client = client_for(personas.street_staff)
    response = client.post(
        reverse("visits:cadre_create"),
        {"name": "孙新任", "party_org": tree.org_a1.pk, "title": "委员", "since": "2026-01-05"},
    )
    assert response.status_code == 302
    cadre = Cadre.objects.get(name="孙新任")
    url = reverse("visits:cadre_detail", args=[cadre.pk])
    client.post(url, {"party_org": tree.org_building.pk, "title": "委员", "since": "2026-02-01"})
    assert cadre.posts.count() == 2
    again = client.post(
        url, {"party_org": tree.org_building.pk, "title": "委员", "since": "2026-02-01"}
    )
    assert "已在此党组织任职" in again.content.decode()
    # an organization outside the secretary's scope is not even a choice
    secretary = client_for(personas.secretary_a1)
    response = secretary.post(
        reverse("visits:cadre_create"),
        {"name": "越权", "party_org": tree.org_b1.pk, "title": "委员", "since": "2026-01-05"},
    )
    assert response.status_code == 200
    assert not Cadre.objects.filter(name="越权").exists()
    # view-only: the unit admin may read the cadre (building post) but not add posts
    unit_admin = client_for(personas.unit_admin)
    assert unit_admin.get(url).status_code == 200
    assert (
        unit_admin.post(
            url, {"party_org": tree.org_a2.pk, "title": "x", "since": "2026-01-01"}
        ).status_code
        == 403
    )
    assert cadre.posts.count() == 2


# ---------------------------------------------------------------- demo figures


@pytest.mark.django_db
def test_demo_reproduces_the_seed_coverage_figure(personas: Any, tree: Any) -> None:
    from lianjian.visits.demo import build_visits_demo

    for i in range(37):  # 40 two-new units in street a with the tree's three
        make_unit(region=tree.community_a2 if i % 2 else tree.building_a)
    make_unit(region=tree.community_a1, kind=UnitKind.INDIVIDUAL_BUSINESS)
    result = build_visits_demo(tree.street_a, visits=120, coverage=0.95)
    assert (result.units, result.visited, result.visits) == (40, 38, 120)
    today = timezone.localdate()
    report = selectors.visit_coverage(personas.street_staff, today - dt.timedelta(days=365), today)
    assert (report.units, report.visited, report.visits, report.rate) == (40, 38, 120, 95.0)
