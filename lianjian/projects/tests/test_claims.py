"""Items, publishing, claiming: every transition and refusal, capacity and "1+1"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.orgs.tests.factories import make_party_org
from lianjian.projects import services, services_delivery
from lianjian.projects.models import Claim, ClaimStatus, Item, ItemEvent, ItemStatus, Kind
from lianjian.projects.services import ProjectError
from lianjian.projects.tests.factories import make_item, register_member, register_org

pytestmark = pytest.mark.django_db


def _deliver(claim: Claim, value: str = "1000", people: int = 1) -> Claim:
    return services_delivery.claim_deliver(
        claim, delivered_value=value, value_kind="goods", people_helped=people, note="已送达"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "长" * 101}, "title"),
        ({"kind": "lottery"}, "kind"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 2}, "capacity"),  # a micro-wish has one claimant
        ({"capacity": "many"}, "capacity"),
        ({"estimated_value": "-5"}, "estimated_value"),
        ({"estimated_value": "1e20"}, "estimated_value"),
        ({"estimated_value": "NaN"}, "estimated_value"),
        ({"wanted_by": dt.date(2020, 1, 1)}, "wanted_by"),
        ({"beneficiary_count": -1}, "beneficiary_count"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_item_create_refuses_bad_input(tree: Any, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ProjectError) as exc:
        make_item(tree.community_a1, **change)
    assert exc.value.field == field
    assert Item.objects.count() == 0


def test_items_live_in_communities_only(tree: Any) -> None:
    with pytest.raises(ProjectError, match="社区"):
        make_item(tree.street_a)


def test_publish_and_withdraw_follow_the_table(tree: Any) -> None:
    item = make_item(tree.community_a1, publish=False)
    assert item.status == ItemStatus.DRAFT and item.community_id == tree.community_a1.pk
    assert item.street_id == tree.street_a.pk and item.district_id == tree.district.pk
    services.item_publish(item)
    services.item_publish(item)  # twice: one history row
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED and item.published_at is not None
    assert ItemEvent.objects.filter(item=item, action="publish").count() == 1
    with pytest.raises(ProjectError):
        services.item_withdraw(item, reason="")
    services.item_withdraw(item, reason="居民已自行解决")
    item.refresh_from_db()
    assert item.status == ItemStatus.WITHDRAWN
    with pytest.raises(ProjectError, match="不能改为"):
        services.item_publish(item)


def test_every_item_transition_outside_the_table_is_refused(tree: Any) -> None:
    item = make_item(tree.community_a1, publish=False)
    for status, allowed in services.ITEM_TRANSITIONS.items():
        for target in ItemStatus.values:
            if target in allowed or target == status:
                continue
            Item.objects.filter(pk=item.pk).update(status=status)
            item.refresh_from_db()
            with pytest.raises(ProjectError):
                services.item_move(item, target, "test", None)


def test_claim_needs_an_approved_registration_at_that_community(tree: Any) -> None:
    item = make_item(tree.community_a1)
    pending = register_org(tree.org_a1, tree.community_a1, approve=False)
    with pytest.raises(ProjectError, match="审核通过"):
        services.claim_create(item, registration=pending)
    elsewhere = register_org(tree.org_a2, tree.community_a2)
    with pytest.raises(ProjectError, match="报到社区"):
        services.claim_create(item, registration=elsewhere)
    draft = make_item(tree.community_a1, publish=False)
    approved = register_org(make_party_org(region=tree.community_a1), tree.community_a1)
    with pytest.raises(ProjectError, match="不再接受认领"):
        services.claim_create(draft, registration=approved)
    assert Claim.objects.count() == 0


def test_members_claim_wishes_and_services_not_problems(tree: Any) -> None:
    reg = register_member(tree.member_a1, tree.community_a1)
    problem = make_item(tree.community_a1, Kind.PROBLEM, title="流浪狗清理")
    with pytest.raises(ProjectError, match="共建单位"):
        services.claim_create(problem, registration=reg)
    wish = make_item(tree.community_a1)
    claim = services.claim_create(wish, registration=reg)
    assert claim.member_id == tree.member_a1.pk and claim.party_org_id is None
    assert claim.community_id == tree.community_a1.pk


def test_capacity_is_never_exceeded_and_a_withdrawal_reopens_the_slot(tree: Any) -> None:
    item = make_item(tree.community_a1, Kind.SERVICE, capacity=2, title="周末助老服务岗")
    orgs = [make_party_org(region=tree.community_a1) for _ in range(3)]
    regs = [register_org(o, tree.community_a1) for o in orgs]
    first = services.claim_create(item, registration=regs[0])
    services.claim_create(item, registration=regs[1])
    item.refresh_from_db()
    assert item.claimed_count == 2 and item.status == ItemStatus.CLAIMED
    with pytest.raises(ProjectError, match="认领满"):
        services.claim_create(item, registration=regs[2])
    services.claim_withdraw(first)
    item.refresh_from_db()
    assert item.claimed_count == 1 and item.status == ItemStatus.PUBLISHED
    services.claim_create(item, registration=regs[2])
    item.refresh_from_db()
    assert item.claimed_count == 2
    assert Claim.objects.filter(item=item, status=ClaimStatus.CLAIMED).count() == 2


def test_a_second_claim_by_the_same_registrant_returns_the_first(tree: Any) -> None:
    item = make_item(tree.community_a1, Kind.SERVICE, capacity=3)
    reg = register_org(tree.org_a1, tree.community_a1)
    a = services.claim_create(item, registration=reg)
    b = services.claim_create(item, registration=reg)
    assert a.pk == b.pk
    item.refresh_from_db()
    assert item.claimed_count == 1


def test_promised_date_is_bounded(tree: Any) -> None:
    item = make_item(tree.community_a1)
    reg = register_org(tree.org_a1, tree.community_a1)
    today = timezone.localdate()
    for bad in (today - dt.timedelta(days=1), today + dt.timedelta(days=400)):
        with pytest.raises(ProjectError) as exc:
            services.claim_create(item, registration=reg, promised_by=bad)
        assert exc.value.field == "promised_by"
    item.refresh_from_db()
    assert item.claimed_count == 0


def test_withdraw_only_before_work_starts(tree: Any) -> None:
    item = make_item(tree.community_a1)
    reg = register_org(tree.org_a1, tree.community_a1)
    claim = services.claim_create(item, registration=reg)
    services_delivery.progress_report(claim, text_="已联系老人", percent=10)
    with pytest.raises(ProjectError, match="不能退出"):
        services.claim_withdraw(claim)
    with pytest.raises(ProjectError, match="已有单位"):
        services.item_withdraw(item, reason="不需要了")


def test_one_plus_one_one_open_hard_problem_per_unit(tree: Any) -> None:
    reg = register_org(tree.org_a1, tree.community_a1)
    dogs = make_item(tree.community_a1, Kind.PROBLEM, title="流浪狗清理")
    station = make_item(tree.community_a1, Kind.PROBLEM, title="垃圾站建设")
    claim = services.claim_create(dogs, registration=reg)
    assert claim.hard_slot == 1
    with pytest.raises(ProjectError, match="1\\+1"):
        services.claim_create(station, registration=reg)
    station.refresh_from_db()
    assert station.claimed_count == 0  # the refused claim left the counter alone
    # a micro-wish is no hard problem: the rule does not apply
    services.claim_create(make_item(tree.community_a1), registration=reg)
    # once the first is delivered and confirmed, the unit may take the next one
    services_delivery.claim_confirm(_deliver(claim))
    second = services.claim_create(station, registration=reg)
    assert second.hard_slot == 1


def test_one_plus_one_limit_is_set_per_street(tree: Any) -> None:
    services.street_rule_set(tree.street_a, limit=2)
    reg = register_org(tree.org_a1, tree.community_a1)
    items = [make_item(tree.community_a1, Kind.PROBLEM, title=f"难题{i}") for i in range(3)]
    slots = [services.claim_create(i, registration=reg).hard_slot for i in items[:2]]
    assert slots == [1, 2]
    with pytest.raises(ProjectError, match="2 个难题"):
        services.claim_create(items[2], registration=reg)
    with pytest.raises(ProjectError):
        services.street_rule_set(tree.community_a1, limit=2)
    with pytest.raises(ProjectError):
        services.street_rule_set(tree.street_a, limit=0)


def test_database_refuses_over_capacity_and_a_second_hard_slot(tree: Any) -> None:
    item = make_item(tree.community_a1, Kind.PROBLEM)
    other = make_item(tree.community_a1, Kind.PROBLEM)
    reg = register_org(tree.org_a1, tree.community_a1)
    claim = services.claim_create(item, registration=reg)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=item.pk).update(claimed_count=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            item=other,
            registration=reg,
            party_org=tree.org_a1,
            kind=Kind.PROBLEM,
            hard_slot=claim.hard_slot,
            promised_by=claim.promised_by,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            item=item,
            registration=reg,
            party_org=tree.org_a1,
            kind="problem",
            promised_by=claim.promised_by,
        )
