"""Registry service rules: formation vs coverage, deactivation, coverage history,
denormalized ancestor ids, and every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianjian.core.models import AuditEvent
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit
from lianjian.orgs.services import (
    RegistryError,
    party_org_create,
    party_org_deactivate,
    party_org_update,
    region_create,
    region_deactivate,
    region_update,
    unit_create,
    unit_update,
)
from lianjian.orgs.services_members import (
    member_create,
    member_deactivate,
    member_find_by_id_number,
    member_unmask,
    member_update,
)
from lianjian.orgs.tests.factories import (
    make_credit_code,
    make_id_number,
    make_member,
    make_party_org,
    make_unit,
)
from lianjian.orgs.tests.test_views_permissions import snapshot


def _org_fields(region: Region, **extra):
    data = {
        "name": "测试联合党支部",
        "level": PartyOrg.Level.BRANCH,
        "formation": PartyOrg.Formation.SINGLE,
        "org_type": PartyOrg.OrgType.INDEPENDENT,
        "region": region,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- formation and coverage


def test_single_formation_covering_two_units_refused(tree):
    before = snapshot()
    with pytest.raises(RegistryError) as err:
        party_org_create(
            covered_units=[tree.unit_a1, tree.unit_a2], **_org_fields(tree.community_a1)
        )
    assert err.value.field == "formation"
    assert "联合建" in err.value.message
    assert snapshot() == before


def test_joint_formation_may_cover_many(tree):
    org = party_org_create(
        covered_units=[tree.unit_a1, tree.unit_a2],
        **_org_fields(tree.street_a, formation=PartyOrg.Formation.JOINT),
    )
    assert set(org.covered_units.all()) == {tree.unit_a1, tree.unit_a2}


def test_switching_to_single_while_covering_two_refused(tree):
    org = party_org_create(
        covered_units=[tree.unit_a1, tree.unit_a2],
        **_org_fields(tree.street_a, formation=PartyOrg.Formation.JOINT),
    )
    before = snapshot()
    with pytest.raises(RegistryError):
        party_org_update(org, formation=PartyOrg.Formation.SINGLE)
    with pytest.raises(RegistryError):
        party_org_update(
            org,
            formation=PartyOrg.Formation.SINGLE,
            covered_units=[tree.unit_a1, tree.unit_a2],
        )
    assert snapshot() == before
    org.refresh_from_db()
    assert org.formation == PartyOrg.Formation.JOINT


def test_coverage_history_kept_on_change(tree):
    org = tree.org_building
    first = OrgUnitCoverage.objects.get(party_org=org, unit=tree.unit_building)
    other = make_unit(region=tree.building_a, name="东银二号公司")
    party_org_update(org, covered_units=[other])
    first.refresh_from_db()
    assert first.until == timezone.localdate()  # closed, not deleted
    assert OrgUnitCoverage.objects.get(party_org=org, unit=other, until__isnull=True)
    # covering the first unit again opens a new link and keeps the old one
    party_org_update(
        org, covered_units=[other, tree.unit_building], formation=PartyOrg.Formation.JOINT
    )
    links = OrgUnitCoverage.objects.filter(party_org=org, unit=tree.unit_building)
    assert links.count() == 2
    assert links.filter(until__isnull=True).count() == 1


def test_deactivating_org_with_active_members_refused(tree):
    before = snapshot()
    with pytest.raises(RegistryError) as err:
        party_org_deactivate(tree.org_a1)
    assert "在册党员" in err.value.message
    assert snapshot() == before


def test_deactivating_empty_org_closes_its_coverage(tree):
    member_deactivate(tree.member_a1, reason="转出")
    org = party_org_create(
        covered_units=[tree.unit_a1], **_org_fields(tree.community_a1, name="临时党支部")
    )
    party_org_deactivate(org, on=dt.date(2026, 1, 31))
    org.refresh_from_db()
    assert not org.is_active and org.dissolved_on == dt.date(2026, 1, 31)
    assert OrgUnitCoverage.objects.get(party_org=org).until == dt.date(2026, 1, 31)


def test_child_level_must_fit_parent(tree):
    before = snapshot()
    with pytest.raises(RegistryError) as err:
        party_org_create(parent=tree.org_a2, **_org_fields(tree.community_a2))
    assert err.value.field == "level"
    assert snapshot() == before


# ---------------------------------------------------------------- ancestor ids


def test_ancestor_ids_filled_for_units_orgs_and_members(tree):
    unit = make_unit(region=tree.building_a)
    assert (unit.district_id, unit.street_id, unit.community_id, unit.area_id) == (
        tree.district.pk,
        tree.street_a.pk,
        None,
        tree.building_a.pk,
    )
    org = make_party_org(region=tree.community_a1)
    assert (org.district_id, org.street_id, org.community_id, org.area_id) == (
        tree.district.pk,
        tree.street_a.pk,
        tree.community_a1.pk,
        None,
    )
    member = make_member(party_org=org)
    assert (member.district_id, member.street_id, member.community_id) == (
        tree.district.pk,
        tree.street_a.pk,
        tree.community_a1.pk,
    )


def test_ancestor_ids_follow_a_move(tree):
    unit_update(tree.unit_a1, region=tree.community_b1)
    tree.unit_a1.refresh_from_db()
    assert (tree.unit_a1.street_id, tree.unit_a1.community_id) == (
        tree.street_b.pk,
        tree.community_b1.pk,
    )
    member_update(tree.member_a1, party_org=tree.org_b1)
    tree.member_a1.refresh_from_db()
    assert (tree.member_a1.street_id, tree.member_a1.community_id) == (
        tree.street_b.pk,
        tree.community_b1.pk,
    )


def test_region_refs_filled(tree):
    area = region_create(
        name="虹储商圈", level="area", parent=tree.community_a1, area_type="market"
    )
    assert (area.district_ref_id, area.street_ref_id, area.community_ref_id) == (
        tree.district.pk,
        tree.street_a.pk,
        tree.community_a1.pk,
    )
    assert area.ancestor_ids()["area_id"] == area.pk


def test_region_level_shape_enforced(tree):
    before = snapshot()
    with pytest.raises(RegistryError):
        region_create(name="错层社区", level="community", parent=tree.district)
    with pytest.raises(RegistryError):
        region_create(name="第二个区", level="street", parent=None)
    assert snapshot() == before


# ---------------------------------------------------------------- regions


def test_region_update_changes_description_only(tree):
    region_update(tree.building_a, name=" 东银中心大厦 ", area_type="park", code="310105001")
    tree.building_a.refresh_from_db()
    assert (tree.building_a.name, tree.building_a.area_type, tree.building_a.code) == (
        "东银中心大厦",
        "park",
        "310105001",
    )
    assert tree.building_a.level == Region.Level.AREA
    before = snapshot()
    with pytest.raises(RegistryError):
        region_update(tree.building_a, name="  ")
    with pytest.raises(RegistryError):
        region_update(tree.building_a, area_type="castle")
    assert snapshot() == before


def test_region_deactivate_refuses_non_empty(tree):
    before = snapshot()
    for region in (tree.street_a, tree.community_a1, tree.building_a):
        with pytest.raises(RegistryError):
            region_deactivate(region)
    assert snapshot() == before
    empty = region_create(name="空楼宇", level="area", parent=tree.street_b)
    region_deactivate(empty)
    empty.refresh_from_db()
    assert not empty.is_active
    assert AuditEvent.objects.filter(action="region.deactivate", object_id=str(empty.pk)).exists()


# ---------------------------------------------------------------- units and members


def test_unit_credit_code_checked_and_unique(tree):
    before = snapshot()
    good = make_credit_code()
    with pytest.raises(RegistryError) as err:
        unit_create(
            name="校验错误公司",
            kind="private_enterprise",
            region=tree.community_a1,
            credit_code=good[:17] + ("0" if good[17] != "0" else "1"),
        )
    assert err.value.field == "credit_code"
    with pytest.raises(RegistryError):
        unit_create(
            name="重复代码公司",
            kind="private_enterprise",
            region=tree.community_a1,
            credit_code=tree.unit_a1.credit_code.lower(),
        )
    assert snapshot() == before
    blank = unit_create(name="个体户", kind="individual_business", region=tree.community_a1)
    assert blank.credit_code is None


def test_member_id_number_checked_and_unique_through_blind_index(tree):
    before = snapshot()
    good = make_id_number()
    with pytest.raises(RegistryError):
        member_create(
            name="校验错",
            party_org=tree.org_a1,
            id_number=good[:17] + ("0" if good[17] != "0" else "1"),
        )
    with pytest.raises(RegistryError) as err:
        member_create(name="重复者", party_org=tree.org_a2, id_number=tree.member_a1.id_number)
    assert err.value.field == "id_number"
    assert snapshot() == before
    assert member_find_by_id_number(tree.member_b1.id_number) == tree.member_b1
    # stored encrypted: the plaintext is nowhere in the row's raw columns
    raw = Member.objects.filter(pk=tree.member_a1.pk).values_list("id_number", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*raw.sql_with_params())
        stored = cursor.fetchone()[0]
    assert tree.member_a1.id_number not in stored


def test_member_in_dissolved_org_refused(tree):
    member_deactivate(tree.member_b1)
    party_org_deactivate(tree.org_b1)
    before = snapshot()
    with pytest.raises(RegistryError) as err:
        member_create(name="迟到者", party_org=tree.org_b1, id_number=make_id_number())
    assert err.value.field == "party_org"
    assert snapshot() == before


def test_floating_cleared_when_no_longer_floating(tree):
    member_update(
        tree.member_a1, is_floating=True, floating_to="浙江省杭州市", floating_reason="务工"
    )
    member_update(tree.member_a1, is_floating=False)
    tree.member_a1.refresh_from_db()
    assert (tree.member_a1.floating_to, tree.member_a1.floating_reason) == ("", "")


def test_unmask_needs_reason_and_is_audited(tree, personas):
    before = AuditEvent.objects.filter(action="member.unmask").count()
    with pytest.raises(RegistryError):
        member_unmask(tree.member_a1, actor=personas.street_staff, reason=" ")
    assert AuditEvent.objects.filter(action="member.unmask").count() == before
    values = member_unmask(tree.member_a1, actor=personas.street_staff, reason="组织关系核对")
    assert values["id_number"] == tree.member_a1.id_number
    event = AuditEvent.objects.filter(action="member.unmask").latest("seq")
    assert event.detail == {"reason": "组织关系核对"}
    assert tree.member_a1.id_number not in str(event.detail)


def test_every_write_is_audited(tree):
    counts = AuditEvent.objects.count()
    unit = make_unit(region=tree.community_a2)
    unit_update(unit, employees=50)
    assert AuditEvent.objects.count() == counts + 2
    assert Unit.objects.get(pk=unit.pk).employees == 50


def test_member_join_date_must_be_plausible(tree):
    import datetime as dt

    import pytest

    from lianjian.orgs.services import RegistryError
    from lianjian.orgs.services_members import member_update

    for bad in (
        dt.date(1485, 3, 30),
        timezone.localdate() + dt.timedelta(days=1),
        dt.date(1990, 1, 1),
    ):
        with pytest.raises(RegistryError) as err:
            member_update(tree.member_a1, joined_on=bad)
        assert err.value.field == "joined_on"
    tree.member_a1.refresh_from_db()
    assert tree.member_a1.joined_on is None
    member_update(tree.member_a1, joined_on=dt.date(2010, 7, 1))
    tree.member_a1.refresh_from_db()
    assert tree.member_a1.joined_on == dt.date(2010, 7, 1)
