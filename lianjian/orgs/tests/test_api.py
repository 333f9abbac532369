"""Registry REST API: permission matrix, scope, paging, filters, bad input, masking, docs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from openapi_spec_validator import validate

from lianjian.core.masking import mask
from lianjian.core.models import AuditEvent
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit
from lianjian.orgs.tests.factories import (
    make_credit_code,
    make_id_number,
    make_member,
    make_unit,
)

API = "/api/v1"
PERSONAS = [
    "district_admin",
    "street_staff",
    "secretary_a1",
    "secretary_a2",
    "unit_admin",
    "dept_handler",
    "member",
    "merchant",
    "outsider",
    "audit_admin",
    "security_admin",
]
FORBIDDEN = "您没有执行此操作的权限"


def call(client: Client, method: str, url: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(
        url, data=json.dumps(body if body is not None else {}), content_type="application/json"
    )


def registry_state() -> list[Any]:
    """Every registry row's values: equal before and after means nothing changed."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Region, Unit, PartyOrg, Member, OrgUnitCoverage)
    ]


# ---------------------------------------------------------------- permission matrix


@dataclass
class Case:
    method: str
    url: Callable[[Any], str]
    allowed: dict[str, int]
    body: Callable[[Any], Any] = field(default=lambda t: None)
    # personas not listed in `allowed` get 403 unless listed here
    hidden: tuple[str, ...] = ()
    refused: dict[str, int] = field(default_factory=dict)


STREET_A = ("district_admin", "street_staff")
CASES: dict[str, Case] = {
    "regions_get": Case(
        "get",
        lambda t: f"{API}/regions/{t.community_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        hidden=("secretary_a2",),
    ),
    "regions_create": Case(
        "post",
        lambda t: f"{API}/regions",
        {"district_admin": 201},
        body=lambda t: {"name": "新建居民区", "level": "community", "parent": t.street_a.pk},
    ),
    "units_get": Case(
        "get",
        lambda t: f"{API}/units/{t.unit_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        hidden=("secretary_a2", "unit_admin"),
    ),
    "units_get_building": Case(
        "get",
        lambda t: f"{API}/units/{t.unit_building.pk}",
        {p: 200 for p in (*STREET_A, "unit_admin")},
        hidden=("secretary_a1", "secretary_a2"),
    ),
    "units_create": Case(
        "post",
        lambda t: f"{API}/units",
        {p: 201 for p in (*STREET_A, "secretary_a1")},
        body=lambda t: {
            "name": "新设科技公司",
            "kind": "private_enterprise",
            "region": t.community_a1.pk,
            "credit_code": make_credit_code(90001),
        },
        # the body names a region outside the sibling secretary's scope
        refused={"secretary_a2": 400},
    ),
    "units_update": Case(
        "patch",
        lambda t: f"{API}/units/{t.unit_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        body=lambda t: {"address": "虹储路1号"},
        hidden=("secretary_a2",),
    ),
    "units_deactivate": Case(
        "post",
        lambda t: f"{API}/units/{t.unit_a2.pk}/deactivate",
        {p: 200 for p in (*STREET_A, "secretary_a2")},
        hidden=("secretary_a1",),
    ),
    "party_orgs_get": Case(
        "get",
        lambda t: f"{API}/party-orgs/{t.org_building.pk}",
        {p: 200 for p in (*STREET_A, "unit_admin")},
        hidden=("secretary_a1", "secretary_a2"),
    ),
    "party_orgs_create": Case(
        "post",
        lambda t: f"{API}/party-orgs",
        {p: 201 for p in (*STREET_A, "secretary_a1")},
        body=lambda t: {
            "name": "虹储物业党小组",
            "level": "branch",
            "region": t.community_a1.pk,
            "covered_units": [t.unit_a1.pk],
        },
        refused={"secretary_a2": 400},
    ),
    "party_orgs_update": Case(
        "patch",
        lambda t: f"{API}/party-orgs/{t.org_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        body=lambda t: {"secretary_name": "王书记", "covered_units": [t.unit_a1.pk]},
        hidden=("secretary_a2",),
    ),
    "party_orgs_deactivate": Case(
        "post",
        lambda t: f"{API}/party-orgs/{t.org_building.pk}/deactivate",
        {p: 200 for p in STREET_A},
        hidden=("secretary_a1", "secretary_a2"),
    ),
    "members_get": Case(
        "get",
        lambda t: f"{API}/members/{t.member_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        hidden=("secretary_a2", "unit_admin"),
    ),
    "members_create": Case(
        "post",
        lambda t: f"{API}/members",
        {p: 201 for p in (*STREET_A, "unit_admin")},
        body=lambda t: {
            "name": "赵四",
            "id_number": make_id_number(401),
            "party_org": t.org_building.pk,
            "workplace_unit": t.unit_building.pk,
        },
        refused={"secretary_a1": 400, "secretary_a2": 400},
    ),
    "members_update": Case(
        "patch",
        lambda t: f"{API}/members/{t.member_a1.pk}",
        {p: 200 for p in (*STREET_A, "secretary_a1")},
        body=lambda t: {"floating_to": "", "mobile": "13912345678"},
        hidden=("secretary_a2", "unit_admin"),
    ),
    "members_deactivate": Case(
        "post",
        lambda t: f"{API}/members/{t.member_a2.pk}/deactivate",
        {p: 200 for p in (*STREET_A, "secretary_a2")},
        body=lambda t: {"reason": "组织关系转出"},
        hidden=("secretary_a1", "unit_admin"),
    ),
    "members_unmask": Case(
        "post",
        lambda t: f"{API}/members/{t.member_a1.pk}/unmask",
        {p: 200 for p in STREET_A},
        body=lambda t: {"reason": "核对党费收缴信息"},
    ),
}


def expected_status(case: Case, persona: str) -> int:
    if persona in case.allowed:
        return case.allowed[persona]
    if persona in case.hidden:
        return 404
    return case.refused.get(persona, 403)


def check_case(name: str, persona: str, personas: Any, tree: Any, client_for: Any) -> None:
    case = CASES[name]
    before = registry_state()
    unmasks_before = AuditEvent.objects.filter(action="member.unmask").count()
    resp = call(
        client_for(getattr(personas, persona)), case.method, case.url(tree), case.body(tree)
    )
    want = expected_status(case, persona)
    where = f"{name} as {persona}"
    assert resp.status_code == want, f"{where}: {resp.content.decode()}"
    if want >= 400:
        assert registry_state() == before, f"{where}: a refused request changed the registry"
        assert AuditEvent.objects.filter(action="member.unmask").count() == unmasks_before
        detail = resp.json()["detail"]
        assert re.search(r"[\u4e00-\u9fff]", detail), f"{where}: {detail}"
        if want == 403:
            assert detail == FORBIDDEN, where
    elif case.method != "get" and name != "members_unmask":
        assert registry_state() != before, f"{where}: an allowed write changed nothing"


@pytest.mark.parametrize("name", sorted(CASES))
def test_permission_matrix(name, personas, tree, client_for):
    """Every persona on one endpoint; each request runs in a savepoint rolled back after it."""
    for persona in PERSONAS:
        with transaction.atomic():
            check_case(name, persona, personas, tree, client_for)
            transaction.set_rollback(True)


# ---------------------------------------------------------------- lists and scope


def ids(resp: Any) -> set[int]:
    assert resp.status_code == 200, resp.content.decode()
    return {row["id"] for row in resp.json()["items"]}


def test_lists_match_scope(personas, tree, client_for):
    from lianjian.core.permissions import user_has_perm
    from lianjian.orgs.access import (
        members_visible_to,
        party_orgs_visible_to,
        regions_visible_to,
        units_visible_to,
    )

    for persona in PERSONAS:
        user = getattr(personas, persona)
        c = client_for(user)
        for path, perm, visible in (
            ("regions", "orgs.view_region", regions_visible_to),
            ("units", "orgs.view_unit", units_visible_to),
            ("party-orgs", "orgs.view_partyorg", party_orgs_visible_to),
            ("members", "orgs.view_member", members_visible_to),
        ):
            resp = c.get(f"{API}/{path}?limit=100")
            if not user_has_perm(user, perm):
                assert resp.status_code == 403, (persona, path)
                continue
            assert ids(resp) == set(visible(user).values_list("pk", flat=True)), (persona, path)


def test_secretary_lists_only_own_community(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    assert ids(c.get(f"{API}/members")) == {tree.member_a1.pk}
    assert ids(c.get(f"{API}/units")) == {tree.unit_a1.pk}
    assert ids(c.get(f"{API}/party-orgs")) == {tree.org_a1.pk}
    assert ids(c.get(f"{API}/regions")) == {tree.community_a1.pk}


def test_unit_admin_lists_covered_unit_and_own_org(personas, tree, client_for):
    c = client_for(personas.unit_admin)
    assert ids(c.get(f"{API}/units")) == {tree.unit_building.pk}
    assert ids(c.get(f"{API}/party-orgs")) == {tree.org_building.pk}


def test_pagination_shape_default_and_limits(personas, tree, client_for):
    for n in range(25):
        make_unit(region=tree.community_a1, name=f"分页单位{n:02d}")
    c = client_for(personas.district_admin)
    total = Unit.objects.filter(is_active=True).count()
    body = c.get(f"{API}/units").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == total and len(body["items"]) == 20
    body = c.get(f"{API}/units?limit=10&offset=20").json()
    assert len(body["items"]) == min(10, total - 20) and body["count"] == total
    page_ids = [r["id"] for r in c.get(f"{API}/units?limit=100").json()["items"]]
    assert len(page_ids) == total == len(set(page_ids))
    assert c.get(f"{API}/units?limit=101").status_code == 422
    assert c.get(f"{API}/units?limit=0").status_code == 422
    assert c.get(f"{API}/units?offset=-1").status_code == 422


def test_list_query_budget(personas, tree, client_for, django_assert_max_num_queries):
    for _ in range(30):
        make_member(party_org=tree.org_a1, workplace_unit=tree.unit_a1)
    c = client_for(personas.district_admin)
    c.get(f"{API}/members")  # warm the session
    for path in ("members", "units", "party-orgs", "regions"):
        with django_assert_max_num_queries(7):  # measured: 5, party-orgs 6
            resp = c.get(f"{API}/{path}?limit=100")
        assert resp.status_code == 200


def test_filters(personas, tree, client_for):
    c = client_for(personas.district_admin)
    assert ids(c.get(f"{API}/party-orgs?formation=joint")) == {tree.org_building.pk}
    assert ids(c.get(f"{API}/units?q={tree.unit_a2.credit_code}")) == {tree.unit_a2.pk}
    assert ids(c.get(f"{API}/units?region={tree.community_a2.pk}")) == {tree.unit_a2.pk}
    assert ids(c.get(f"{API}/members?q=周三")) == {tree.member_b1.pk}
    assert ids(c.get(f"{API}/members?party_org={tree.org_a1.pk}")) == {tree.member_a1.pk}
    assert ids(c.get(f"{API}/regions?level=street")) == {tree.street_a.pk, tree.street_b.pk}
    assert ids(c.get(f"{API}/regions?parent={tree.street_b.pk}")) == {tree.community_b1.pk}
    assert c.get(f"{API}/units?kind=no_such_kind").status_code == 422
    # a filter can narrow, never widen: a secretary asking for a sibling's region gets nothing
    s = client_for(personas.secretary_a1)
    assert ids(s.get(f"{API}/members?region={tree.community_a2.pk}")) == set()


def test_active_filter_lists_deactivated(personas, tree, client_for):
    c = client_for(personas.district_admin)
    url = f"{API}/units/{tree.unit_a2.pk}/deactivate"
    # an empty body is accepted: the date defaults to today
    assert c.post(url, data="", content_type="application/json").status_code == 200
    assert tree.unit_a2.pk not in ids(c.get(f"{API}/units"))
    assert ids(c.get(f"{API}/units?active=false")) == {tree.unit_a2.pk}


# ---------------------------------------------------------------- details and writes


def test_member_output_is_masked(personas, tree, client_for):
    c = client_for(personas.district_admin)
    listing = c.get(f"{API}/members").content.decode()
    detail = c.get(f"{API}/members/{tree.member_a1.pk}").json()
    for m in (tree.member_a1, tree.member_a2, tree.member_b1):
        assert m.id_number not in listing and m.mobile not in listing
    assert detail["id_number"] == mask(tree.member_a1.id_number, "id_number")
    assert detail["mobile"] == mask(tree.member_a1.mobile, "mobile")
    assert detail["party_org_name"] == "虹储居民区党总支"


def test_unmask_returns_full_values_and_audits_reason(personas, tree, client_for):
    c = client_for(personas.street_staff)
    resp = call(c, "post", f"{API}/members/{tree.member_a1.pk}/unmask", {"reason": "核对身份"})
    assert resp.status_code == 200
    assert resp.json() == {"id_number": tree.member_a1.id_number, "mobile": tree.member_a1.mobile}
    assert resp["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(action="member.unmask").get()
    assert event.object_id == str(tree.member_a1.pk) and event.detail["reason"] == "核对身份"


def test_unmask_without_reason_refused(personas, tree, client_for):
    c = client_for(personas.street_staff)
    resp = call(c, "post", f"{API}/members/{tree.member_a1.pk}/unmask", {"reason": " "})
    assert resp.status_code == 400 and resp.json()["field"] == "reason"
    assert "事由" in resp.json()["detail"]
    assert not AuditEvent.objects.filter(action="member.unmask").exists()


def test_unmask_out_of_scope_is_404(personas, tree, client_for):
    c = client_for(personas.street_staff)
    resp = call(c, "post", f"{API}/members/{tree.member_b1.pk}/unmask", {"reason": "核对身份"})
    assert resp.status_code == 404
    assert tree.member_b1.id_number not in resp.content.decode()
    assert not AuditEvent.objects.filter(action="member.unmask").exists()
    assert AuditEvent.objects.filter(action="access.denied", result="denied").exists()


def test_create_member_and_read_back(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    idn = make_id_number(333)
    resp = call(
        c,
        "post",
        f"{API}/members",
        {
            "name": "吴五",
            "id_number": idn,
            "mobile": "139 0000 1111",
            "party_org": tree.org_a1.pk,
            "workplace_unit": tree.unit_a1.pk,
            "residence_community": tree.community_a1.pk,
            "status": "probationary",
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["id_number"] == mask(idn, "id_number") and idn not in resp.content.decode()
    member = Member.objects.get(pk=body["id"])
    assert member.id_number == idn and member.mobile == "13900001111"
    assert member.community_id == tree.community_a1.pk
    assert body["workplace_unit_name"] == "虹储物业服务中心"
    assert body["residence_community_name"] == "虹储居民区"


def test_update_member_moves_org_and_clears_workplace(personas, tree, client_for):
    Member.objects.filter(pk=tree.member_a1.pk).update(workplace_unit=tree.unit_a1)
    c = client_for(personas.street_staff)
    resp = call(
        c,
        "patch",
        f"{API}/members/{tree.member_a1.pk}",
        {"party_org": tree.org_a2.pk, "workplace_unit": None},
    )
    assert resp.status_code == 200, resp.content
    member = Member.objects.get(pk=tree.member_a1.pk)
    assert member.party_org_id == tree.org_a2.pk and member.workplace_unit_id is None
    assert member.community_id == tree.community_a2.pk
    assert member.name == "陈一"  # fields not sent are untouched


def test_party_org_create_with_parent_and_coverage(personas, tree, client_for):
    c = client_for(personas.street_staff)
    resp = call(
        c,
        "post",
        f"{API}/party-orgs",
        {
            "name": "虹储第一党支部",
            "level": "branch",
            "region": tree.community_a1.pk,
            "parent": tree.org_a1.pk,
            "covered_units": [tree.unit_a1.pk, tree.unit_a1.pk],
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["parent_id"] == tree.org_a1.pk
    assert body["covered_unit_ids"] == [tree.unit_a1.pk]
    listed = {r["id"]: r for r in c.get(f"{API}/party-orgs?limit=100").json()["items"]}
    assert listed[body["id"]]["parent_id"] == tree.org_a1.pk
    assert listed[tree.org_building.pk]["covered_unit_ids"] == [tree.unit_building.pk]


def test_party_org_patch_replaces_coverage_and_keeps_history(personas, tree, client_for):
    c = client_for(personas.street_staff)
    url = f"{API}/party-orgs/{tree.org_building.pk}"
    resp = call(c, "patch", url, {"covered_units": None})
    assert resp.status_code == 200 and resp.json()["covered_unit_ids"] == []
    links = OrgUnitCoverage.objects.filter(party_org=tree.org_building)
    assert links.count() == 1 and links.get().until is not None  # closed, not deleted
    resp = call(c, "patch", url, {"covered_units": [tree.unit_building.pk, tree.unit_a2.pk]})
    assert resp.status_code == 200
    assert resp.json()["covered_unit_ids"] == sorted([tree.unit_building.pk, tree.unit_a2.pk])
    assert PartyOrg.objects.get(pk=tree.org_building.pk).name == "东银中心楼宇联合党支部"


def test_party_org_deactivate_with_members_refused(personas, tree, client_for):
    c = client_for(personas.street_staff)
    before = registry_state()
    resp = call(c, "post", f"{API}/party-orgs/{tree.org_a1.pk}/deactivate")
    assert resp.status_code == 400
    assert "仍有在册党员" in resp.json()["detail"]
    assert registry_state() == before


def test_region_create_under_street(personas, tree, client_for):
    c = client_for(personas.district_admin)
    resp = call(
        c,
        "post",
        f"{API}/regions",
        {"name": "虹桥商圈", "level": "area", "area_type": "market", "parent": tree.street_a.pk},
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["parent_id"] == tree.street_a.pk and body["street_id"] == tree.street_a.pk
    assert body["district_id"] == tree.district.pk and body["level_display"] == "功能区"


# ---------------------------------------------------------------- bad input: Chinese message, nothing written


def _wrong_check_char(code: str) -> str:
    return code[:17] + ("1" if code[-1] == "0" else "0")


def _member_body(tree: Any, **over: Any) -> dict[str, Any]:
    body = {"name": "钱六", "id_number": make_id_number(555), "party_org": tree.org_a1.pk}
    body.update(over)
    return body


BAD_INPUTS: dict[str, tuple[str, str, Callable[[Any], Any], int, str, str | None]] = {
    # name: (method, url, body, status, detail fragment, field)
    "member_bad_checksum": (
        "post",
        "/members",
        lambda t: _member_body(t, id_number=_wrong_check_char(make_id_number(555))),
        400,
        "身份证号码无效",
        "id_number",
    ),
    "member_duplicate_id": (
        "post",
        "/members",
        lambda t: _member_body(t, id_number=t.member_b1.id_number),
        400,
        # held in another street: the generic answer, nothing about where (S25)
        "无法在此登记该身份证号码",
        "id_number",
    ),
    "member_bad_mobile": (
        "post",
        "/members",
        lambda t: _member_body(t, mobile="2345"),
        400,
        "手机号码无效",
        "mobile",
    ),
    "member_forged_org": (
        "post",
        "/members",
        lambda t: _member_body(t, party_org=987654),
        400,
        "党组织不存在或不在您的管理范围内",
        "party_org",
    ),
    "member_out_of_scope_org": (
        "post",
        "/members",
        lambda t: _member_body(t, party_org=t.org_b1.pk),
        400,
        "不在您的管理范围内",
        "party_org",
    ),
    "member_out_of_scope_workplace": (
        "post",
        "/members",
        lambda t: _member_body(t, workplace_unit=t.unit_building.pk + 1000),
        400,
        "工作单位",
        "workplace_unit",
    ),
    "member_residence_not_community": (
        "post",
        "/members",
        lambda t: _member_body(t, residence_community=t.street_a.pk),
        400,
        "社区",
        "residence_community",
    ),
    "member_patch_duplicate_id": (
        "patch",
        "/members/{member_a1}",
        lambda t: {"id_number": t.member_a2.id_number},
        400,
        "已登记",
        "id_number",
    ),
    "member_patch_null_name": (
        "patch",
        "/members/{member_a1}",
        lambda t: {"name": None},
        400,
        "不能为空",
        "name",
    ),
    "member_patch_forged_community": (
        "patch",
        "/members/{member_a1}",
        lambda t: {"residence_community": t.community_b1.pk},
        400,
        "居住社区",
        "residence_community",
    ),
    "unit_bad_credit_code": (
        "post",
        "/units",
        lambda t: {
            "name": "甲公司",
            "kind": "social_org",
            "region": t.community_a1.pk,
            "credit_code": _wrong_check_char(make_credit_code(7)),
        },
        400,
        "统一社会信用代码",
        "credit_code",
    ),
    "unit_duplicate_credit_code": (
        "post",
        "/units",
        lambda t: {
            "name": "乙公司",
            "kind": "social_org",
            "region": t.community_a1.pk,
            "credit_code": t.unit_a2.credit_code,
        },
        400,
        "已被其他单位使用",
        "credit_code",
    ),
    "unit_forged_region": (
        "post",
        "/units",
        lambda t: {"name": "丙公司", "kind": "social_org", "region": t.community_b1.pk},
        400,
        "所在区域",
        "region",
    ),
    "unit_negative_employees": (
        "patch",
        "/units/{unit_a1}",
        lambda t: {"employees": -3},
        400,
        "不能为负数",
        "employees",
    ),
    "unit_patch_move_out_of_scope": (
        "patch",
        "/units/{unit_a1}",
        lambda t: {"region": t.community_b1.pk},
        400,
        "所在区域",
        "region",
    ),
    "org_single_covering_two": (
        "post",
        "/party-orgs",
        lambda t: {
            "name": "单建支部",
            "level": "branch",
            "region": t.community_a1.pk,
            "formation": "single",
            "covered_units": [t.unit_a1.pk, t.unit_a2.pk],
        },
        400,
        "联合建",
        "formation",
    ),
    "org_forged_covered_unit": (
        "post",
        "/party-orgs",
        lambda t: {
            "name": "联建支部",
            "level": "branch",
            "region": t.community_a1.pk,
            "formation": "joint",
            "covered_units": [t.unit_a1.pk, 999999],
        },
        400,
        "覆盖单位",
        "covered_units",
    ),
    "org_out_of_scope_parent": (
        "post",
        "/party-orgs",
        lambda t: {
            "name": "下级支部",
            "level": "branch",
            "region": t.community_a1.pk,
            "parent": t.org_b1.pk,
        },
        400,
        "上级党组织",
        "parent",
    ),
    "org_bad_level_under_parent": (
        "post",
        "/party-orgs",
        lambda t: {
            "name": "下级党委",
            "level": "committee",
            "region": t.community_a1.pk,
            "parent": t.org_a1.pk,
        },
        400,
        "之下不能设立",
        "level",
    ),
    "wrong_types": (
        "post",
        "/members",
        lambda t: {"name": "孙七", "id_number": 12, "party_org": "abc"},
        422,
        "格式有误",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_with_chinese_message(name, personas, tree, client_for):
    method, path, body, status, fragment, field_name = BAD_INPUTS[name]
    url = API + path.format(member_a1=tree.member_a1.pk, unit_a1=tree.unit_a1.pk)
    before = registry_state()
    # denials are audited, and so is an attempt on a number held outside the scope (S25)
    refusals = ("access.denied", "member.id_conflict")
    audits_before = AuditEvent.objects.exclude(action__in=refusals).count()
    resp = call(client_for(personas.street_staff), method, url, body(tree))
    assert resp.status_code == status, resp.content.decode()
    payload = resp.json()
    assert fragment in payload["detail"]
    if field_name:
        assert payload["field"] == field_name
    assert registry_state() == before
    assert AuditEvent.objects.exclude(action__in=refusals).count() == audits_before


def test_unparsable_body_is_refused_in_chinese(personas, tree, client_for):
    before = registry_state()
    resp = client_for(personas.street_staff).post(
        f"{API}/units", data="{not json", content_type="application/json"
    )
    assert resp.status_code == 400 and "JSON" in resp.json()["detail"]
    assert registry_state() == before


def test_forged_reference_is_audited_as_denied(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    call(c, "post", f"{API}/members", _member_body(tree, party_org=tree.org_a2.pk))
    event = AuditEvent.objects.filter(action="access.denied").latest("seq")
    assert event.object_id == str(tree.org_a2.pk) and event.username == "secretary_a1"


def test_unknown_id_in_path_is_404_with_chinese_detail(personas, tree, client_for):
    c = client_for(personas.district_admin)
    for path in ("units/999999", "members/999999", "party-orgs/999999", "regions/999999"):
        resp = c.get(f"{API}/{path}")
        assert resp.status_code == 404
        assert resp.json() == {"detail": "未找到该记录，或您无权查看"}


# ---------------------------------------------------------------- session auth and CSRF


def test_session_post_requires_csrf(personas, tree):
    c = Client(enforce_csrf_checks=True)
    c.force_login(personas.street_staff)
    url = f"{API}/units/{tree.unit_a1.pk}"
    before = registry_state()
    resp = call(c, "patch", url, {"address": "无令牌"})
    assert resp.status_code == 403 and "CSRF" in resp.json()["detail"]
    assert registry_state() == before
    c.get(f"{API}/docs")  # renders a CSRF token, which sets the cookie
    token = c.cookies["csrftoken"].value
    resp = c.patch(
        url,
        data=json.dumps({"address": "带令牌"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.content
    assert Unit.objects.get(pk=tree.unit_a1.pk).address == "带令牌"


def test_anonymous_gets_401(tree):
    c = Client(enforce_csrf_checks=True)
    assert c.get(f"{API}/units").status_code == 401
    before = registry_state()
    resp = call(c, "post", f"{API}/units/{tree.unit_a1.pk}/deactivate")
    assert resp.status_code == 401 and resp.json() == {"detail": "未登录或令牌无效"}
    assert registry_state() == before


def test_user_who_must_change_password_is_refused(personas, tree, client_for):
    personas.district_admin.must_change_password = True
    personas.district_admin.save(update_fields=["must_change_password"])
    resp = client_for(personas.district_admin).get(f"{API}/units")
    assert resp.status_code in (401, 403) and "items" not in resp.json()


# ---------------------------------------------------------------- OpenAPI and docs


def test_openapi_document_is_valid_and_complete(client):
    resp = client.get(f"{API}/openapi.json")
    assert resp.status_code == 200
    doc = json.loads(resp.content)
    validate(doc)
    expected = {
        "/api/v1/regions": {"get", "post"},
        "/api/v1/regions/{region_id}": {"get"},
        "/api/v1/units": {"get", "post"},
        "/api/v1/units/{unit_id}": {"get", "patch"},
        "/api/v1/units/{unit_id}/deactivate": {"post"},
        "/api/v1/party-orgs": {"get", "post"},
        "/api/v1/party-orgs/{org_id}": {"get", "patch"},
        "/api/v1/party-orgs/{org_id}/deactivate": {"post"},
        "/api/v1/members": {"get", "post"},
        "/api/v1/members/{member_id}": {"get", "patch"},
        "/api/v1/members/{member_id}/deactivate": {"post"},
        "/api/v1/members/{member_id}/unmask": {"post"},
    }
    op_ids = []
    for path, methods in expected.items():
        assert set(doc["paths"][path]) >= methods, path
        for method in methods:
            op = doc["paths"][path][method]
            op_ids.append(op["operationId"])
            assert re.search(r"[\u4e00-\u9fff]", op["summary"]), op
            assert op["tags"]
            assert op["security"], f"{path} {method} must require auth"
    assert len(op_ids) == len(set(op_ids))


def test_docs_page_uses_only_local_assets(client):
    resp = client.get(f"{API}/docs")
    assert resp.status_code == 200
    html = resp.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, "docs page references no assets"
    for url in urls:
        assert url.startswith("/static/"), url
    for external in re.findall(r"https?://[^\s\"'<>]+", html):
        assert external.startswith(("http://testserver", "https://testserver")), external
    assert '"validatorUrl": null' in html
    csp = resp["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "http" not in csp


def test_unit_admin_records_where_a_member_lives_anywhere_in_the_district(
    personas: Any, tree: Any, client_for: Any
) -> None:
    """A building branch's members live all over the district, not in its building."""
    from lianjian.orgs.services import region_create

    c = client_for(personas.unit_admin)
    body = {
        "name": "沈五",
        "id_number": make_id_number(51),
        "party_org": tree.org_building.pk,
        "residence_community": tree.community_b1.pk,  # another street of the same district
    }
    r = call(c, "post", f"{API}/members", body)
    assert r.status_code == 201, r.content
    assert Member.objects.get(pk=r.json()["id"]).residence_community_id == tree.community_b1.pk
    # a street is not a community: a clear message
    r = call(
        c,
        "post",
        f"{API}/members",
        {**body, "id_number": make_id_number(52), "residence_community": tree.street_b.pk},
    )
    assert r.status_code == 400 and "社区" in r.json()["detail"]
    # another district's community is outside: refused, nothing written
    elsewhere = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    street = region_create(name="天平街道", level=Region.Level.STREET, parent=elsewhere)
    far = region_create(name="天平居民区", level=Region.Level.COMMUNITY, parent=street)
    before = registry_state()
    r = call(
        c,
        "post",
        f"{API}/members",
        {**body, "id_number": make_id_number(53), "residence_community": far.pk},
    )
    assert r.status_code == 400 and "不在您的管理范围内" in r.json()["detail"]
    assert registry_state() == before
    # the page's residence picker offers the same choices: the district's communities only
    page = c.get("/orgs/members/new/").content.decode()
    assert "/pick/orgs.residence/" in page
    found = c.get("/pick/orgs.residence/", {"q": "居民区", "perm": "orgs.change_member"})
    assert found.status_code == 200
    options = found.content.decode()
    assert tree.community_b1.name in options and far.name not in options


def test_member_search_by_number_travels_in_the_body_not_the_url(personas, tree, client_for):
    """A full ID number or mobile in a URL would be kept by every access log on the way."""
    c = client_for(personas.district_admin)
    for number in (tree.member_b1.id_number, tree.member_a2.mobile):
        r = c.get(f"{API}/members", {"q": number})
        assert r.status_code == 400 and "POST /api/v1/members/search" in r.json()["detail"]
    search = f"{API}/members/search"
    assert ids(call(c, "post", search, {"q": tree.member_b1.id_number})) == {tree.member_b1.pk}
    assert ids(call(c, "post", search, {"q": tree.member_a2.mobile})) == {tree.member_a2.pk}
    assert ids(call(c, "post", search, {"q": "周三"})) == {tree.member_b1.pk}
    found = call(c, "post", search, {"q": tree.member_a2.mobile}).json()["items"][0]
    assert found["mobile"] == mask(tree.member_a2.mobile, "mobile")  # masked as in the list
    assert call(c, "post", search, {"q": ""}).status_code == 422
    # scope holds: a secretary finds nobody outside her community, even by exact number
    s = client_for(personas.secretary_a1)
    assert ids(call(s, "post", search, {"q": tree.member_b1.id_number})) == set()
    assert call(client_for(personas.outsider), "post", search, {"q": "周三"}).status_code == 403


def test_member_search_is_rate_limited(personas, tree, client_for, settings):
    import datetime as dt

    import time_machine

    from lianjian.orgs import selectors

    c = client_for(personas.street_staff)
    limit = selectors.MEMBER_SEARCH_RATE[0]
    # frozen clock: all hits land in one fixed window
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(limit):
            assert call(c, "post", f"{API}/members/search", {"q": "陈"}).status_code == 200
        r = call(c, "post", f"{API}/members/search", {"q": "陈"})
        assert r.status_code == 429 and int(r["Retry-After"]) > 0
        assert c.get(f"{API}/members", {"q": "陈"}).status_code == 429  # one budget for both
        assert c.get(f"{API}/members").status_code == 200  # a list without a search is not limited
