"""双报到: where organizations and members register, the community's decision, reports."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.orgs.models import Member
from lianjian.orgs.tests.factories import make_party_org
from lianjian.projects import selectors, services, services_reg
from lianjian.projects.models import Registration, RegStatus
from lianjian.projects.services import ProjectError
from lianjian.projects.tests.factories import make_item, register_member, register_org

pytestmark = pytest.mark.django_db


def test_an_organization_registers_in_its_own_street(tree: Any) -> None:
    reg = services_reg.registration_submit(
        region=tree.community_a1, party_org=tree.org_building, resources="会议室、志愿者"
    )
    assert reg.status == RegStatus.PENDING and reg.community_id == tree.community_a1.pk
    assert reg.resources == "会议室、志愿者"
    # a second submission while one is live returns it
    again = services_reg.registration_submit(region=tree.community_a1, party_org=tree.org_building)
    assert again.pk == reg.pk
    with pytest.raises(ProjectError, match="所在街道"):
        services_reg.registration_submit(region=tree.community_b1, party_org=tree.org_building)
    with pytest.raises(ProjectError, match="社区"):
        services_reg.registration_submit(region=tree.street_a, party_org=tree.org_building)
    with pytest.raises(ProjectError):
        services_reg.registration_submit(region=tree.community_a1)


def test_a_member_registers_where_they_live(tree: Any) -> None:
    with pytest.raises(ProjectError, match="居住社区"):
        services_reg.registration_submit(region=tree.community_a1, member=tree.member_a1)
    Member.objects.filter(pk=tree.member_a1.pk).update(residence_community=tree.community_a1)
    tree.member_a1.refresh_from_db()
    with pytest.raises(ProjectError, match="居住地"):
        services_reg.registration_submit(region=tree.community_a2, member=tree.member_a1)
    reg = services_reg.registration_submit(
        region=tree.community_a1, member=tree.member_a1, skills="理发、修家电"
    )
    assert reg.member_id == tree.member_a1.pk and reg.skills == "理发、修家电"


def test_decide_approve_decline_and_withdraw(tree: Any) -> None:
    reg = register_org(tree.org_a1, tree.community_a1, approve=False)
    with pytest.raises(ProjectError, match="原因"):
        services_reg.registration_decide(reg, approve=False)
    declined = services_reg.registration_decide(reg, approve=False, reason="不在本社区")
    assert declined.status == RegStatus.DECLINED
    with pytest.raises(ProjectError, match="不能再审核"):
        services_reg.registration_decide(declined, approve=True)
    # declined: a fresh registration may follow
    reg2 = register_org(tree.org_a1, tree.community_a1)
    assert reg2.status == RegStatus.APPROVED and reg2.pk != reg.pk
    claim = services.claim_create(make_item(tree.community_a1), registration=reg2)
    with pytest.raises(ProjectError, match="未完成"):
        services_reg.registration_withdraw(reg2)
    services.claim_withdraw(claim)
    assert services_reg.registration_withdraw(reg2).status == RegStatus.WITHDRAWN


def test_registration_report_counts_registered_and_resident_members(
    tree: Any, personas: Any
) -> None:
    register_member(tree.member_a1, tree.community_a1)
    register_org(tree.org_a1, tree.community_a1)
    register_org(make_party_org(region=tree.community_a1), tree.community_a1, approve=False)
    Member.objects.filter(pk=tree.member_a2.pk).update(residence_community=tree.community_a1)
    rows = {r.name: r for r in selectors.registration_report(personas.street_staff)}
    a1 = rows["虹储居民区"]
    assert (a1.orgs, a1.members, a1.residents) == (1, 1, 2)
    assert a1.rate == 50.0
    assert "机场新村居民区" not in rows  # another street
    assert Registration.objects.count() == 3
