"""The organization and region trees: natural order, rolled-up counts, scope, lazy levels."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.core.naturalsort import chinese_number, natural_sort_key
from lianjian.orgs import tree as tree_reads
from lianjian.orgs.models import PartyOrg
from lianjian.orgs.tests.factories import make_member, make_party_org

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105)],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_year_style_numbers_and_myriads() -> None:
    assert chinese_number("二〇二三") == 2023
    assert chinese_number("三万五千") == 35000


def test_natural_sort_key_orders_numbered_siblings() -> None:
    names = ["第十党支部", "第二党支部", "第十一党支部", "第一党支部", "第三党支部", "第20党支部"]
    assert sorted(names, key=natural_sort_key) == [
        "第一党支部",
        "第二党支部",
        "第三党支部",
        "第十党支部",
        "第十一党支部",
        "第20党支部",
    ]
    # full-width digits count as digits
    assert natural_sort_key("２号楼") < natural_sort_key("10号楼")


def _general_branch(tree: Any) -> PartyOrg:
    return PartyOrg.objects.get(pk=tree.org_a1.pk)


def test_sort_key_follows_the_name_on_save(tree: Any) -> None:
    org = _general_branch(tree)
    org.name = "第十二党总支"
    org.save(update_fields=["name"])
    org.refresh_from_db()
    assert org.sort_key == natural_sort_key("第十二党总支")


def test_children_in_natural_order_with_rolled_up_members(tree: Any, personas: Any) -> None:
    parent = _general_branch(tree)
    names = ["第十党支部", "第二党支部", "第一党支部", "第十一党支部"]
    kids = {
        name: make_party_org(region=tree.community_a1, name=name, parent=parent) for name in names
    }
    group = make_party_org(
        region=tree.community_a1,
        name="第一党小组",
        parent=kids["第二党支部"],
        level=PartyOrg.Level.GROUP,
    )
    make_member(party_org=kids["第二党支部"])
    make_member(party_org=group)
    make_member(party_org=group)
    make_member(party_org=kids["第十党支部"])
    parent.refresh_from_db()

    children = tree_reads.party_org_tree_children(personas.street_staff, parent).nodes
    assert [n.obj.name for n in children] == [
        "第一党支部",
        "第二党支部",
        "第十党支部",
        "第十一党支部",
    ]
    counts = {n.obj.name: n.members for n in children}
    assert counts == {"第一党支部": 0, "第二党支部": 3, "第十党支部": 1, "第十一党支部": 0}
    assert [n.has_children for n in children] == [False, True, False, False]

    roots = {
        n.obj.name: n.members for n in tree_reads.party_org_tree_roots(personas.street_staff).nodes
    }
    # the general branch counts its own member (陈一) and every branch's below it
    assert roots["虹储居民区党总支"] == 1 + 4
    assert "机场新村居民区党支部" not in roots  # the other street's


def test_secretary_sees_only_own_community(tree: Any, personas: Any) -> None:
    roots = [n.obj.name for n in tree_reads.party_org_tree_roots(personas.secretary_a2).nodes]
    assert roots == ["虹仙居民区党支部"]


def test_region_tree_counts_units_and_members(tree: Any, personas: Any) -> None:
    roots = tree_reads.region_tree_roots(personas.street_staff).nodes
    assert [n.obj.name for n in roots] == ["虹桥街道"]
    assert roots[0].units == 3 and roots[0].members == 2
    children = {
        n.obj.name: n
        for n in tree_reads.region_tree_children(personas.street_staff, tree.street_a).nodes
    }
    assert set(children) == {"虹储居民区", "虹仙居民区", "东银中心"}
    assert children["虹储居民区"].units == 1 and children["虹储居民区"].members == 1


def test_tree_pages_and_lazy_children(tree: Any, personas: Any, client_for: Any) -> None:
    make_party_org(region=tree.community_a1, name="第一党支部", parent=_general_branch(tree))
    c = client_for(personas.street_staff)
    page = c.get("/orgs/party-orgs/tree/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "虹储居民区党总支" in body and f"/orgs/party-orgs/{tree.org_a1.pk}/tree/" in body
    part = c.get(f"/orgs/party-orgs/{tree.org_a1.pk}/tree/", HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and "第一党支部" in part.content.decode()
    assert "<html" not in part.content.decode()
    assert c.get("/orgs/regions/tree/").status_code == 200
    assert c.get(f"/orgs/regions/{tree.street_a.pk}/tree/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "org_page", "region_page"),
    [
        ("district_admin", 200, 200),
        ("street_staff", 200, 200),
        ("secretary_a1", 200, 200),
        ("unit_admin", 200, 403),
        ("dept_handler", 403, 403),
        ("member", 403, 403),
        ("merchant", 403, 403),
        ("audit_admin", 403, 403),
    ],
)
def test_tree_permission_matrix(
    personas: Any, client_for: Any, persona: str, org_page: int, region_page: int
) -> None:
    c = client_for(getattr(personas, persona))
    assert c.get("/orgs/party-orgs/tree/").status_code == org_page
    assert c.get("/orgs/regions/tree/").status_code == region_page


def test_children_outside_scope_are_404(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.secretary_a1)
    assert c.get(f"/orgs/party-orgs/{tree.org_b1.pk}/tree/").status_code == 404
    assert c.get(f"/orgs/regions/{tree.street_b.pk}/tree/").status_code == 404


def test_member_list_filtered_by_subtree(tree: Any, personas: Any, client_for: Any) -> None:
    branch = make_party_org(
        region=tree.community_a1, name="第一党支部", parent=_general_branch(tree)
    )
    make_member(party_org=branch, name="王五")
    c = client_for(personas.street_staff)
    body = c.get(f"/orgs/members/?org={tree.org_a1.pk}").content.decode()
    assert "王五" in body and "陈一" in body and "林二" not in body


def test_a_wide_level_comes_in_pages(
    tree: Any, personas: Any, client_for: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(tree_reads, "TREE_PAGE", 2)
    parent = _general_branch(tree)
    for name in ("第一党支部", "第二党支部", "第三党支部", "第四党支部", "第五党支部"):
        make_party_org(region=tree.community_a1, name=name, parent=parent)
    parent.refresh_from_db()
    first = tree_reads.party_org_tree_children(personas.street_staff, parent)
    assert [n.obj.name for n in first.nodes] == ["第一党支部", "第二党支部"]
    assert first.remaining == 3 and first.next_offset == 2
    c = client_for(personas.street_staff)
    url = f"/orgs/party-orgs/{parent.pk}/tree/"
    body = c.get(url).content.decode()
    assert "显示更多（还有 3 个）" in body and f"{url}?offset=2" in body
    more = c.get(url, {"offset": 4}).content.decode()
    assert "第五党支部" in more and "<ul" not in more.split("第五党支部")[0]
    assert "显示更多" not in more
