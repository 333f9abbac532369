"""Registry pages: bad input, forged ids, masking, unmasking and query budgets.

Every refusal shows a Chinese message (or 404) and leaves the database as it
was; the snapshot helper compares every registry row before and after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lianjian.core.masking import mask
from lianjian.core.models import AuditEvent
from lianjian.core.validators import is_valid_credit_code, is_valid_id_number
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit
from lianjian.orgs.services import region_create
from lianjian.orgs.tests.factories import (
    make_credit_code,
    make_id_number,
    make_member,
    make_mobile,
    make_party_org,
    make_unit,
)
from lianjian.orgs.tests.test_views_permissions import snapshot


def wrong_id_number() -> str:
    good = make_id_number()
    return good[:17] + next(c for c in "0123456789X" if c != good[17])


def wrong_credit_code() -> str:
    good = make_credit_code()
    return good[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[17])


def unit_data(tree, **extra):
    data = {
        "name": "虹储共享咖啡馆",
        "credit_code": make_credit_code(),
        "kind": "private_enterprise",
        "industry": "餐饮",
        "employees": "8",
        "region": tree.community_a1.pk,
        "address": "虹储路1号",
    }
    data.update(extra)
    return data


def member_data(tree, **extra):
    data = {
        "name": "吴小青",
        "id_number": make_id_number(),
        "mobile": make_mobile(),
        "status": "probationary",
        "party_org": tree.org_a1.pk,
        "joined_on": "2024-07-01",
    }
    data.update(extra)
    return data


def org_data(tree, **extra):
    data = {
        "name": "虹储居民区第二党支部",
        "level": "branch",
        "formation": "single",
        "org_type": "independent",
        "region": tree.community_a1.pk,
        "parent": tree.org_a1.pk,
        "secretary_name": "许书记",
        "founded_on": "2023-03-01",
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- happy paths


def test_unit_create_edit_deactivate(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    response = c.post(reverse("orgs:unit_create"), unit_data(tree, is_above_scale="on"))
    assert response.status_code == 302
    unit = Unit.objects.get(name="虹储共享咖啡馆")
    assert unit.is_above_scale and unit.community_id == tree.community_a1.pk
    assert unit.street_id == tree.street_a.pk and unit.district_id == tree.district.pk
    assert response["Location"] == reverse("orgs:unit_detail", args=[unit.pk])

    edit = c.get(reverse("orgs:unit_edit", args=[unit.pk]))
    assert unit.credit_code in edit.content.decode()
    response = c.post(
        reverse("orgs:unit_edit", args=[unit.pk]),
        unit_data(tree, credit_code=unit.credit_code, employees="30", name="虹储咖啡"),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.employees) == ("虹储咖啡", 30)

    page = c.get(reverse("orgs:unit_deactivate", args=[unit.pk]))
    assert "确认注销单位" in page.content.decode()
    unit.refresh_from_db()
    assert unit.is_active  # GET only asks
    assert c.post(reverse("orgs:unit_deactivate", args=[unit.pk])).status_code == 200
    unit.refresh_from_db()
    assert unit.is_active  # the confirmation box is required
    response = c.post(reverse("orgs:unit_deactivate", args=[unit.pk]), {"confirm": "on"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert not unit.is_active and unit.deregistered_on is not None
    assert AuditEvent.objects.filter(action="unit.deactivate", object_id=str(unit.pk)).exists()


def test_partyorg_create_shows_tree_path_and_children(personas, tree, client_for):
    c = client_for(personas.street_staff)
    response = c.post(
        reverse("orgs:partyorg_create"), org_data(tree, covered_units=[tree.unit_a1.pk])
    )
    assert response.status_code == 302
    child = PartyOrg.objects.get(name="虹储居民区第二党支部")
    assert PartyOrg.objects.get_parent(child) == tree.org_a1
    assert child.community_id == tree.community_a1.pk
    assert list(child.covered_units.all()) == [tree.unit_a1]

    parent_page = c.get(reverse("orgs:partyorg_detail", args=[tree.org_a1.pk])).content.decode()
    assert "虹储居民区第二党支部" in parent_page  # child listed
    child_page = c.get(reverse("orgs:partyorg_detail", args=[child.pk])).content.decode()
    assert "虹储居民区党总支 ›" in child_page  # tree path
    assert "虹储物业服务中心" in child_page  # covered unit


def test_joint_org_covers_many_and_history_is_kept(personas, tree, client_for):
    c = client_for(personas.street_staff)
    extra = make_unit(region=tree.building_a, name="东银咨询有限公司")
    url = reverse("orgs:partyorg_edit", args=[tree.org_building.pk])
    data = {
        "name": tree.org_building.name,
        "level": "branch",
        "formation": "joint",
        "org_type": "building_joint",
        "region": tree.building_a.pk,
        "covered_units": [tree.unit_building.pk, extra.pk],
    }
    assert c.post(url, data).status_code == 302
    assert set(tree.org_building.covered_units.filter(coverages__until__isnull=True)) == {
        tree.unit_building,
        extra,
    }
    data["covered_units"] = [extra.pk]
    assert c.post(url, data).status_code == 302
    closed = OrgUnitCoverage.objects.get(party_org=tree.org_building, unit=tree.unit_building)
    assert closed.until == timezone.localdate()
    page = c.get(reverse("orgs:unit_detail", args=[tree.unit_building.pk])).content.decode()
    assert "东银中心楼宇联合党支部" in page  # the closed link still shows as history


def test_member_create_and_edit_blank_secrets_unchanged(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    data = member_data(
        tree, workplace_unit=tree.unit_a1.pk, residence_community=tree.community_a1.pk
    )
    assert c.post(reverse("orgs:member_create"), data).status_code == 302
    member = Member.objects.get(name="吴小青")
    assert member.id_number == data["id_number"] and member.status == "probationary"
    index, mobile_index = member.id_number_index, member.mobile_index

    edit_url = reverse("orgs:member_edit", args=[member.pk])
    page = c.get(edit_url).content.decode()
    assert data["id_number"] not in page and data["mobile"] not in page
    assert mask(data["id_number"], "id_number") in page  # shown as a hint only
    response = c.post(
        edit_url,
        {
            "name": "吴小青",
            "id_number": "",
            "mobile": "",
            "status": "full",
            "party_org": tree.org_a1.pk,
            "is_floating": "on",
            "floating_to": "江苏省苏州市",
            "floating_reason": "外出务工",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.id_number_index, member.mobile_index) == (index, mobile_index)
    assert member.id_number == data["id_number"]
    assert member.status == "full" and member.is_floating
    assert (member.floating_to, member.floating_reason) == ("江苏省苏州市", "外出务工")


def test_floating_member_needs_destination(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"), member_data(tree, is_floating="on")
    )
    assert response.status_code == 200
    assert "流动党员须填写流入/流出地" in response.content.decode()
    assert snapshot() == before


def test_member_deactivate_records_reason(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    url = reverse("orgs:member_deactivate", args=[tree.member_a1.pk])
    assert c.post(url, {"confirm": "on", "reason": "组织关系转出"}).status_code == 302
    tree.member_a1.refresh_from_db()
    assert not tree.member_a1.is_active
    event = AuditEvent.objects.get(action="member.deactivate")
    assert event.detail["reason"] == "组织关系转出"


def test_region_tree_list_and_child_create(personas, tree, client_for):
    c = client_for(personas.district_admin)
    page = c.get(reverse("orgs:region_list")).content.decode()
    # ordered by tree path and indented by depth
    assert page.index("长宁区") < page.index("虹桥街道") < page.index("虹储居民区")
    assert "\u3000└ " in page and "\u3000\u3000└ " in page
    assert 'class="table-wrap"' in page
    response = c.post(
        reverse("orgs:region_create", args=[tree.street_b.pk]),
        {"name": "临空园区", "level": "area", "area_type": "park"},
    )
    assert response.status_code == 302
    park = Region.objects.get(name="临空园区")
    assert (
        Region.objects.get_parent(park) == tree.street_b and park.street_ref_id == tree.street_b.pk
    )
    # a street cannot hold a street: the level is not offered
    before = snapshot()
    response = c.post(
        reverse("orgs:region_create", args=[tree.street_b.pk]),
        {"name": "错层街道", "level": "street", "area_type": "residential"},
    )
    assert response.status_code == 200 and snapshot() == before


def test_region_deactivate_refused_while_units_inside(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.district_admin).post(
        reverse("orgs:region_deactivate", args=[tree.community_a2.pk]), {"confirm": "on"}
    )
    assert response.status_code == 200
    assert "仍有有效" in response.content.decode()
    assert snapshot() == before


def test_secretary_region_view_is_own_subtree(personas, tree, client_for):
    page = client_for(personas.secretary_a1).get(reverse("orgs:region_list")).content.decode()
    assert "虹储居民区" in page
    assert "虹仙居民区" not in page and "程家桥街道" not in page


# ---------------------------------------------------------------- bad input


def test_wrong_credit_code_checksum_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:unit_create"), unit_data(tree, credit_code=wrong_credit_code())
    )
    assert response.status_code == 200
    assert "GB 32100" in response.content.decode()
    assert snapshot() == before


def test_duplicate_credit_code_refused_on_edit(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.street_staff).post(
        reverse("orgs:unit_edit", args=[tree.unit_a1.pk]),
        unit_data(tree, credit_code=tree.unit_a2.credit_code),
    )
    assert "已被其他单位使用" in response.content.decode()
    assert snapshot() == before


def test_wrong_id_checksum_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"), member_data(tree, id_number=wrong_id_number())
    )
    assert response.status_code == 200
    assert "身份证号码无效" in response.content.decode()
    assert snapshot() == before


def test_duplicate_id_number_found_through_blind_index(personas, tree, client_for):
    before = snapshot()
    existing = tree.member_b1.id_number  # in another street: still a duplicate
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"), member_data(tree, id_number=existing.lower())
    )
    # outside the secretary's scope: the generic answer, nothing about where (S25)
    assert "无法在此登记该身份证号码，请联系区级管理员" in response.content.decode()
    assert "其他党员" not in response.content.decode()
    assert existing not in response.content.decode()
    after = snapshot()
    # nothing written but the attempt's own audit event (member.id_conflict)
    assert after.pop("writes") == before.pop("writes") + 1
    assert after == before


def test_duplicate_id_number_refused_on_edit(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.street_staff).post(
        reverse("orgs:member_edit", args=[tree.member_a1.pk]),
        member_data(tree, id_number=tree.member_a2.id_number, name="陈一"),
    )
    # both members are in the street's scope: it may be told plainly
    assert "该身份证号码已登记在您管辖范围内的另一名党员名下" in response.content.decode()
    assert snapshot() == before


def test_bad_mobile_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"), member_data(tree, mobile="2345")
    )
    assert "手机号码无效" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "route,field,forged",
    [
        ("member_create", "party_org", "org_b1"),
        ("member_create", "party_org", "org_a2"),
        ("member_create", "workplace_unit", "unit_a2"),
        ("member_create", "residence_community", "community_b1"),
        ("unit_create", "region", "community_a2"),
        ("partyorg_create", "region", "community_b1"),
        ("partyorg_create", "parent", "org_a2"),
        ("partyorg_create", "covered_units", "unit_building"),
    ],
)
def test_forged_ids_in_post_are_refused(route, field, forged, personas, tree, client_for):
    data = {
        "member_create": member_data,
        "unit_create": unit_data,
        "partyorg_create": org_data,
    }[route](tree)
    data[field] = getattr(tree, forged).pk
    before = snapshot()
    response = client_for(personas.secretary_a1).post(reverse(f"orgs:{route}"), data)
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert snapshot() == before


def test_forged_org_on_member_edit_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_edit", args=[tree.member_a1.pk]),
        {"name": "陈一", "status": "full", "party_org": tree.org_b1.pk},
    )
    assert "不在您的管辖范围内" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "route,obj",
    [
        ("unit_edit", "unit_a2"),
        ("unit_deactivate", "unit_a2"),
        ("partyorg_edit", "org_a2"),
        ("partyorg_deactivate", "org_a2"),
        ("member_edit", "member_a2"),
        ("member_deactivate", "member_a2"),
    ],
)
def test_out_of_scope_writes_are_404(route, obj, personas, tree, client_for):
    before = snapshot()
    target = getattr(tree, obj)
    data = {"confirm": "on", "name": "篡改", "status": "full", "party_org": tree.org_a1.pk}
    response = client_for(personas.secretary_a1).post(
        reverse(f"orgs:{route}", args=[target.pk]), data
    )
    assert response.status_code == 404
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(target.pk)).exists()


def test_single_formation_covering_two_units_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.street_staff).post(
        reverse("orgs:partyorg_create"),
        org_data(tree, covered_units=[tree.unit_a1.pk, tree.unit_a2.pk]),
    )
    assert response.status_code == 200
    assert "单独建的党组织只能覆盖一个单位" in response.content.decode()
    assert snapshot() == before


def test_org_with_members_cannot_be_deactivated(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:partyorg_deactivate", args=[tree.org_a1.pk]), {"confirm": "on"}
    )
    assert response.status_code == 200
    assert "仍有在册党员" in response.content.decode()
    assert snapshot() == before


def test_wrong_child_level_refused(personas, tree, client_for):
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:partyorg_create"), org_data(tree, level="committee")
    )
    assert "之下不能设立" in response.content.decode()
    assert snapshot() == before


# ---------------------------------------------------------------- personal data


def test_full_id_never_in_html_for_secretary(personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    member = tree.member_a1
    for url in (
        reverse("orgs:member_list"),
        reverse("orgs:member_detail", args=[member.pk]),
        reverse("orgs:member_edit", args=[member.pk]),
    ):
        html = c.get(url).content.decode()
        assert member.id_number not in html, url
        assert member.mobile not in html, url
    detail = c.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert mask(member.id_number, "id_number") in detail
    assert mask(member.mobile, "mobile") in detail
    assert "查看完整信息" not in detail  # no unmask permission, no form


def _search(c, number):
    """The search box posts the number; the page it redirects to carries its blind index."""
    location = c.post(reverse("orgs:member_list"), {"q": number})["Location"]
    assert number not in location
    return c.get(location).content.decode()


def test_search_by_full_id_number_uses_blind_index(personas, tree, client_for):
    c = client_for(personas.street_staff)
    html = _search(c, tree.member_a2.id_number)
    assert "林二" in html and "陈一" not in html
    assert tree.member_a2.id_number not in html
    # out of scope: the exact number finds nothing
    html = _search(c, tree.member_b1.id_number)
    assert "周三" not in html
    # typed into the URL (access logs keep URLs, S13) it is refused
    assert c.get(reverse("orgs:member_list"), {"q": tree.member_a2.id_number}).status_code == 400


def test_unmask_writes_audit_with_reason_and_shows_once(personas, tree, client_for):
    c = client_for(personas.street_staff)
    member = tree.member_a1
    detail = c.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert "查看完整信息" in detail and member.id_number not in detail
    response = c.post(
        reverse("orgs:member_unmask", args=[member.pk]), {"reason": "核对组织关系转接材料"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert member.id_number in html and member.mobile in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="member.unmask")
    assert event.object_id == str(member.pk)
    assert event.username == "street_staff"
    assert event.detail["reason"] == "核对组织关系转接材料"
    # shown once: the next visit is masked again
    again = c.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert member.id_number not in again


def test_unmask_without_reason_reveals_nothing(personas, tree, client_for):
    response = client_for(personas.district_admin).post(
        reverse("orgs:member_unmask", args=[tree.member_a1.pk]), {"reason": " "}
    )
    assert response.status_code == 400
    assert "须填写事由" in response.content.decode()
    assert tree.member_a1.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.unmask").exists()


def test_unmask_without_permission_is_403_and_not_audited_as_reveal(personas, tree, client_for):
    for persona in (personas.secretary_a1, personas.unit_admin, personas.member):
        response = client_for(persona).post(
            reverse("orgs:member_unmask", args=[tree.member_a1.pk]), {"reason": "想看看"}
        )
        assert response.status_code == 403
        assert tree.member_a1.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.unmask").exists()
    assert AuditEvent.objects.filter(action="access.denied").count() >= 3


def test_unmask_out_of_scope_is_404(personas, tree, client_for):
    response = client_for(personas.street_staff).post(
        reverse("orgs:member_unmask", args=[tree.member_b1.pk]), {"reason": "核对"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="member.unmask").exists()


def test_unmask_is_post_only(personas, tree, client_for):
    response = client_for(personas.district_admin).get(
        reverse("orgs:member_unmask", args=[tree.member_a1.pk])
    )
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="member.unmask").exists()


# ---------------------------------------------------------------- lists and query budgets


@pytest.fixture
def many(tree):
    """35 of each kind of row in community a1, more than one page."""
    for i in range(35):
        unit = make_unit(region=tree.community_a1, name=f"批量单位{i:02d}")
        make_party_org(region=tree.community_a1, name=f"批量党支部{i:02d}", covered_units=[unit])
        make_member(
            party_org=tree.org_a1,
            name=f"批量党员{i:02d}",
            workplace_unit=unit,
            residence_community=tree.community_a1,
        )
    for i in range(35):
        region_create(name=f"批量楼宇{i:02d}", level="area", parent=tree.community_a1)


@pytest.mark.parametrize(
    "name,marker,budget",
    [
        ("region_list", "批量楼宇", 10),
        ("unit_list", "批量单位", 10),
        ("partyorg_list", "批量党支部", 10),
        ("member_list", "批量党员", 10),
    ],
)
def test_list_query_budget_and_pagination(
    name, marker, budget, many, personas, client_for, django_assert_max_num_queries
):
    c = client_for(personas.district_admin)
    url = reverse(f"orgs:{name}")
    with django_assert_max_num_queries(budget):
        response = c.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="table-wrap"' in html
    assert "第 1 / " in html
    assert html.count("<tr>") - 1 == 20  # one header row, twenty rows
    with django_assert_max_num_queries(budget):
        page2 = c.get(url, {"page": 2})
    assert page2.status_code == 200


def test_list_filters(many, personas, tree, client_for):
    c = client_for(personas.secretary_a1)
    html = c.get(reverse("orgs:unit_list"), {"q": "批量单位07"}).content.decode()
    assert "批量单位07" in html and "批量单位08" not in html
    html = c.get(reverse("orgs:member_list"), {"status": "probationary"}).content.decode()
    assert "批量党员" not in html
    html = c.get(reverse("orgs:partyorg_list"), {"formation": "joint"}).content.decode()
    assert "批量党支部" not in html
    html = c.get(
        reverse("orgs:member_list"), {"party_org": tree.org_a1.pk, "q": "批量党员01"}
    ).content.decode()
    assert "批量党员01" in html and "陈一" not in html
    # a filter value that is not an id is ignored rather than a server error
    assert c.get(reverse("orgs:member_list"), {"party_org": "x"}).status_code == 200


@pytest.fixture
def clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()  # counters must not leak into other tests


def test_member_search_is_rate_limited(personas, tree, client_for, clean_cache):
    import time_machine

    from lianjian.orgs import selectors

    c = client_for(personas.street_staff)
    # frozen clock: all hits land in one fixed window
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(selectors.MEMBER_SEARCH_RATE[0]):
            assert c.get(reverse("orgs:member_list"), {"q": "陈"}).status_code == 200
        response = c.get(reverse("orgs:member_list"), {"q": "陈"})
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        # browsing without a search is not limited
        assert c.get(reverse("orgs:member_list")).status_code == 200


def test_bad_input_helpers_really_are_bad():
    assert not is_valid_id_number(wrong_id_number())
    assert not is_valid_credit_code(wrong_credit_code())


def test_pages_are_csp_clean_and_phone_ready(personas, tree, client_for):
    """No inline style or script (CSP default-src 'self'); lists scroll inside .table-wrap."""
    import re

    from lianjian.orgs.tests.test_views_permissions import READ_MATRIX, _url

    c = client_for(personas.district_admin)
    for name, obj, allowed, _ in READ_MATRIX:
        if "district_admin" not in allowed:
            continue
        response = c.get(_url(name, tree, obj))
        if not response["Content-Type"].startswith("text/html"):
            continue  # the coverage PDF
        html = response.content.decode()
        assert " style=" not in html and "<style" not in html, name
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert "http://" not in html and "https://" not in html, name
        if name.endswith("_list"):
            assert '<div class="table-wrap"><table class="list registry">' in html, name
            assert "orgs/registry.css" in html, name


# ---------------------------------------------------------------- units: a picker, or codes


@pytest.fixture
def code_box():
    """Units are picked by search (ids), or typed as credit codes or unit numbers."""


def test_units_by_picker_or_credit_code(code_box, personas, tree, client_for):
    c = client_for(personas.street_staff)
    page = c.get(reverse("orgs:partyorg_create")).content.decode()
    # no <select> of the scope's units: a picker that searches as one types
    assert "data-picker" in page and tree.unit_a1.name not in page
    codes = f"{tree.unit_a1.credit_code.lower()}，{tree.unit_a2.pk}"
    data = org_data(tree, formation="joint", covered_units=codes, parent="")
    assert c.post(reverse("orgs:partyorg_create"), data).status_code == 302
    org = PartyOrg.objects.get(name="虹储居民区第二党支部")
    assert set(org.covered_units.all()) == {tree.unit_a1, tree.unit_a2}
    # the edit form shows the current units by name, their ids in hidden inputs
    edit = c.get(reverse("orgs:partyorg_edit", args=[org.pk])).content.decode()
    assert tree.unit_a1.name in edit
    assert f'name="covered_units" value="{tree.unit_a1.pk}"' in edit

    response = c.post(
        reverse("orgs:member_create"),
        member_data(tree, workplace_unit=tree.unit_a2.credit_code),
    )
    assert response.status_code == 302
    assert Member.objects.get(name="吴小青").workplace_unit == tree.unit_a2


@pytest.mark.parametrize("forged", ["code_b", "pk_building", "junk", "two"])
def test_forged_unit_codes_refused(forged, code_box, personas, tree, client_for):
    outside = make_unit(region=tree.community_b1, name="程家桥外单位")
    value = {
        "code_b": outside.credit_code,
        "pk_building": str(tree.unit_building.pk),
        "junk": "DROP TABLE",
        "two": f"{tree.unit_a1.pk} {tree.unit_a1.pk}",
    }[forged]
    before = snapshot()
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"), member_data(tree, workplace_unit=value)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert any(
        m in html for m in ("不在您的管辖范围内", "不是统一社会信用代码", "只能填写一个单位")
    )
    assert snapshot() == before
