"""Progress with photos, delivery, confirmation and return, the event, overdue, statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianjian.core.models import Notification
from lianjian.core.registry import AppRegistry
from lianjian.orgs.tests.factories import make_party_org
from lianjian.projects import selectors, services, services_delivery
from lianjian.projects.models import (
    Beneficiary,
    ClaimStatus,
    ItemEvent,
    ItemStatus,
    Kind,
    Photo,
)
from lianjian.projects.services import ProjectError
from lianjian.projects.tests.factories import make_item, register_member, register_org

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _photo(name: str = "现场.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def _deliver(claim: Any, value: str = "1200", people: int = 1, **kw: Any) -> Any:
    return services_delivery.claim_deliver(
        claim, delivered_value=value, value_kind="goods", people_helped=people, note="已送达", **kw
    )


def test_the_main_path_moves_item_and_claim(tree: Any) -> None:
    item = make_item(tree.community_a1)
    reg = register_member(tree.member_a1, tree.community_a1)
    claim = services.claim_create(item, registration=reg)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLAIMED
    services_delivery.progress_report(claim, text_="已买好轮椅", percent=50, photos=[_photo()])
    claim.refresh_from_db()
    item.refresh_from_db()
    assert claim.status == ClaimStatus.IN_PROGRESS and claim.percent == 50
    assert item.status == ItemStatus.IN_PROGRESS
    assert Photo.objects.filter(progress__claim=claim).count() == 1
    _deliver(claim, "1200", 1, photos=[_photo("送达.png")])
    item.refresh_from_db()
    assert item.status == ItemStatus.DELIVERED
    services_delivery.claim_confirm(claim)
    claim.refresh_from_db()
    item.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED and claim.on_time is True
    assert item.status == ItemStatus.CONFIRMED and item.people_helped == 1
    actions = list(ItemEvent.objects.filter(item=item).values_list("action", flat=True))
    assert actions[:2] == ["create", "publish"] and "confirm" in actions


def test_progress_refuses_bad_photos_lower_percent_and_closed_claims(tree: Any) -> None:
    item = make_item(tree.community_a1)
    claim = services.claim_create(item, registration=register_org(tree.org_a1, tree.community_a1))
    with pytest.raises(ProjectError) as exc:
        services_delivery.progress_report(
            claim, text_="照片", percent=10, photos=[_photo("x.png", b"MZ\x90\x00 not an image")]
        )
    assert exc.value.field == "photos"
    assert not claim.progress.exists()
    services_delivery.progress_report(claim, text_="开始", percent=40)
    with pytest.raises(ProjectError, match="不能低于"):
        services_delivery.progress_report(claim, text_="倒退", percent=20)
    with pytest.raises(ProjectError):
        services_delivery.progress_report(claim, text_="超出", percent=101)
    _deliver(claim)
    with pytest.raises(ProjectError, match="不能再报进展"):
        services_delivery.progress_report(claim, text_="晚了", percent=100)


def test_return_sends_the_claim_back_with_a_reason(tree: Any) -> None:
    item = make_item(tree.community_a1)
    claim = services.claim_create(item, registration=register_org(tree.org_a1, tree.community_a1))
    with pytest.raises(ProjectError, match="已报告交付"):
        services_delivery.claim_confirm(claim)
    _deliver(claim)
    with pytest.raises(ProjectError, match="原因"):
        services_delivery.claim_return(claim, reason=" ")
    services_delivery.claim_return(claim, reason="轮椅型号不合适")
    claim.refresh_from_db()
    item.refresh_from_db()
    assert claim.status == ClaimStatus.IN_PROGRESS and claim.return_reason == "轮椅型号不合适"
    assert item.status == ItemStatus.IN_PROGRESS
    _deliver(claim, "900")
    services_delivery.claim_confirm(claim)
    services_delivery.claim_confirm(claim)  # twice: nothing more
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED
    assert ItemEvent.objects.filter(claim=claim, action="confirm").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"delivered_value": "-1"}, "delivered_value"),
        ({"delivered_value": "abc"}, "delivered_value"),
        ({"people_helped": -2}, "people_helped"),
        ({"value_kind": "gold"}, "value_kind"),
        ({"note": ""}, "note"),
    ],
)
def test_delivery_refuses_bad_input(tree: Any, change: dict[str, Any], field: str) -> None:
    claim = services.claim_create(
        make_item(tree.community_a1), registration=register_org(tree.org_a1, tree.community_a1)
    )
    args: dict[str, Any] = {
        "delivered_value": "100",
        "value_kind": "money",
        "people_helped": 1,
        "note": "已完成",
    }
    args.update(change)
    with pytest.raises(ProjectError) as exc:
        services_delivery.claim_deliver(claim, **args)
    assert exc.value.field == field
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED


def test_confirmation_publishes_claim_delivered_once(tree: Any) -> None:
    received: list[dict[str, Any]] = []
    listener = AppRegistry(
        label="listener",
        subscriptions={"projects.claim_delivered": lambda **kw: received.append(kw)},
    )
    with mock.patch("lianjian.core.registry.registries", return_value=(listener,)):
        claim = services.claim_create(
            make_item(tree.community_a1), registration=register_org(tree.org_a1, tree.community_a1)
        )
        _deliver(claim, "1500.50", 2)
        services_delivery.claim_confirm(claim)
        services_delivery.claim_confirm(claim)
    assert len(received) == 1
    assert received[0]["claim_id"] == claim.pk and str(received[0]["value"]) == "1500.50"
    assert received[0]["party_org_id"] == tree.org_a1.pk and received[0]["people_helped"] == 2


def test_service_slots_stay_open_until_full_or_closed(tree: Any) -> None:
    item = make_item(tree.community_a1, Kind.SERVICE, capacity=3, title="助老岗")
    claim = services.claim_create(item, registration=register_org(tree.org_a1, tree.community_a1))
    _deliver(claim)
    services_delivery.claim_confirm(claim)
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.slots_left == 2
    services.item_close(item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CONFIRMED


def test_overdue_claims_remind_then_escalate_and_unclaimed_items_expire(
    tree: Any, personas: Any
) -> None:
    start = timezone.localdate()
    item = make_item(tree.community_a1, wanted_by=start + dt.timedelta(days=5))
    reg = register_member(tree.member_a1, tree.community_a1)
    claim = services.claim_create(item, registration=reg, promised_by=start + dt.timedelta(days=3))
    lonely = make_item(tree.community_a1, title="无人认领", wanted_by=start + dt.timedelta(days=2))
    with time_machine.travel(start + dt.timedelta(days=4), tick=False):
        first = services_delivery.projects_tick()
        again = services_delivery.projects_tick()  # same day: no second reminder
    assert first == {"reminded": 1, "escalated": 0, "expired": 1}
    assert again == {"reminded": 0, "escalated": 0, "expired": 0}
    assert (
        Notification.objects.filter(recipient=personas.member, kind="projects.overdue").count() == 1
    )
    with time_machine.travel(start + dt.timedelta(days=12), tick=False):
        later = services_delivery.projects_tick()
    assert later["escalated"] == 1 and later["reminded"] == 1
    assert Notification.objects.filter(
        recipient=personas.secretary_a1, kind="projects.overdue"
    ).exists()
    assert not Notification.objects.filter(
        recipient=personas.secretary_a2, kind="projects.overdue"
    ).exists()
    lonely.refresh_from_db()
    assert lonely.status == ItemStatus.EXPIRED
    claim.refresh_from_db()
    assert claim.escalated_on is not None


def test_beneficiaries_need_consent_are_encrypted_and_erased_on_withdrawal(tree: Any) -> None:
    from django.db import connection

    with pytest.raises(ProjectError, match="本人同意"):
        make_item(tree.community_a1, beneficiaries=[{"name": "王秀英", "consent": False}])
    item = make_item(
        tree.community_a1,
        beneficiaries=[{"name": "王秀英", "mobile": "13912345678", "consent": True}],
    )
    b = Beneficiary.objects.get(item=item)
    assert b.mobile == "13912345678" and b.consent_version == services.CONSENT_VERSION
    with connection.cursor() as cur:
        cur.execute("SELECT mobile FROM projects_beneficiary WHERE id = %s", [b.pk])
        raw = cur.fetchone()[0]
    assert "13912345678" not in raw
    services.beneficiary_withdraw_consent(b)
    b.refresh_from_db()
    assert b.mobile == "" and "王" not in b.name and b.consent_withdrawn_at is not None


def test_reports_count_confirmed_deliveries_not_claims(tree: Any, personas: Any) -> None:
    big, small = make_party_org(region=tree.community_a1), make_party_org(region=tree.community_a1)
    reg_big, reg_small = (register_org(o, tree.community_a1) for o in (big, small))
    # the small unit claims a lot and delivers little; the big one delivers one big item
    for n in range(3):
        services.claim_create(
            make_item(tree.community_a1, title=f"愿望{n}"), registration=reg_small
        )
    claim = services.claim_create(
        make_item(tree.community_a1, Kind.PROJECT, beneficiary_count=12), registration=reg_big
    )
    services_delivery.claim_confirm(_deliver(claim, "50000", 12))
    other = services.claim_create(
        make_item(tree.community_a2),
        registration=register_org(make_party_org(region=tree.community_a2), tree.community_a2),
    )
    services_delivery.claim_confirm(_deliver(other, "300", 1))
    start, end = selectors.period({})
    report = selectors.community_report(personas.street_staff, start, end)
    rows = {r.name: r for r in report.rows}
    a1 = rows["虹储居民区"]
    assert (a1.published, a1.claimed, a1.delivered, a1.confirmed) == (4, 4, 1, 1)
    assert a1.value == 50000 and a1.people == 12 and a1.on_time_rate == 100.0
    assert report.total.value == 50300 and report.total.people == 13
    ranking = selectors.unit_report(personas.street_staff, start, end)
    assert ranking[0].key == big.pk and ranking[0].value == 50000
    assert [r.key for r in ranking].index(small.pk) > 0
    # a community secretary sees their own community only
    mine = selectors.community_report(personas.secretary_a2, start, end)
    assert [r.name for r in mine.rows] == ["虹仙居民区"] and mine.total.value == 300


def test_the_tick_command_runs_and_records(tree: Any) -> None:
    import io

    from django.core.management import call_command

    from lianjian.core.models import ScheduledRun

    out = io.StringIO()
    call_command("projects_tick", stdout=out)
    assert "提醒 0 项" in out.getvalue()
    assert ScheduledRun.objects.filter(name="projects_tick").exists()


def test_people_helped_count_once_in_the_period_of_the_first_confirmation(
    tree: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    """An item two units deliver in different months counts its people once, in the
    month of the first confirmation, read from the item (no join to the claims)."""
    item = make_item(tree.community_a1, Kind.SERVICE, capacity=2, beneficiary_count=5)
    regs = [register_org(make_party_org(region=tree.community_a1), tree.community_a1) for _ in "ab"]
    first, second = (services.claim_create(item, registration=r) for r in regs)
    year = timezone.localdate().year
    with time_machine.travel(dt.datetime(year, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        services_delivery.claim_confirm(_deliver(first, "100", 3))
    with time_machine.travel(dt.datetime(year, 5, 10, 12, tzinfo=dt.UTC), tick=False):
        services_delivery.claim_confirm(_deliver(second, "200", 5))
    item.refresh_from_db()
    assert item.people_helped == 5 and item.helped_at is not None
    assert item.helped_at.month == 3

    def figures(start: dt.date, end: dt.date) -> tuple[int, int, Any]:
        row = {
            r.name: r for r in selectors.community_report(personas.street_staff, start, end).rows
        }["虹储居民区"]
        return row.confirmed, row.people, row.value

    with django_assert_max_num_queries(5):  # communities + three aggregates (P3)
        march = figures(dt.date(year, 3, 1), dt.date(year, 3, 31))
    assert march == (1, 5, 100)
    assert figures(dt.date(year, 5, 1), dt.date(year, 5, 31)) == (1, 0, 200)
    assert figures(dt.date(year, 1, 1), dt.date(year, 12, 31)) == (2, 5, 300)
