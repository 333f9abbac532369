"""Co-building agreements (共驻共建协议书): sign, add commitments, track each item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.alliances.models import Agreement, AgreementItem
from lianjian.alliances.services.common import AllianceError, active_unit, choice, date, text
from lianjian.core.audit import audit_record
from lianjian.orgs.models import PartyOrg, Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@transaction.atomic
def agreement_sign(
    *,
    region: Region,
    party_org: PartyOrg,
    unit: Unit,
    title: str,
    signed_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date,
    items: Sequence[tuple[str, str, str]] = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Agreement:
    """An agreement of a community's (or street's) Party organization with a unit.

    `items` are (side, kind, text) commitments.
    """
    if region.level not in (Region.Level.COMMUNITY, Region.Level.STREET):
        raise AllianceError("共建协议由社区或街道党组织签订", "region")
    where = (
        party_org.community_id if region.level == Region.Level.COMMUNITY else party_org.street_id
    )
    if where != region.pk:
        raise AllianceError("签约党组织不在所选社区/街道", "party_org")
    active_unit(unit)
    title = text(title, "title", "协议名称", 100)
    signed_on = date(signed_on, "signed_on", "签订日期", timezone.localdate())
    starts_on = date(starts_on, "starts_on", "期限起")
    ends_on = date(ends_on, "ends_on", "期限止")
    if ends_on <= starts_on:
        raise AllianceError("期限止应晚于期限起", "ends_on")
    if len(items) > 50:
        raise AllianceError("承诺事项最多 50 项", "items")
    ids = region.ancestor_ids()
    ids.pop("area_id")
    agreement = Agreement.objects.create(
        region=region,
        party_org=party_org,
        unit=unit,
        title=title,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        **ids,
    )
    rows = [_item(agreement, *item) for item in items]
    AgreementItem.objects.bulk_create(rows)
    audit_record(
        "alliance.agreement_sign",
        user=actor,
        request=request,
        obj=agreement,
        detail={"unit": unit.pk},
    )
    return agreement


def _item(agreement: Agreement, side: str, kind: str, body: str) -> AgreementItem:
    choice(side, AgreementItem.Side, "side", "承诺方")
    choice(kind, AgreementItem.Kind, "kind", "承诺类型")
    return AgreementItem(
        agreement=agreement, side=side, kind=kind, text=text(body, "text", "承诺内容", 200)
    )


@transaction.atomic
def agreement_item_add(
    agreement: Agreement, *, side: str, kind: str, body: str, actor: User | None = None
) -> AgreementItem:
    if agreement.items.count() >= 50:
        raise AllianceError("承诺事项最多 50 项", "items")
    item = _item(agreement, side, kind, body)
    item.save()
    audit_record("alliance.agreement_item", user=actor, obj=agreement, detail={"item": item.pk})
    return item


@transaction.atomic
def agreement_item_status(
    item: AgreementItem,
    *,
    status: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> AgreementItem:
    choice(status, AgreementItem.Status, "status", "履行状态")
    before = item.status
    item.status = status
    item.save(update_fields=["status"])
    audit_record(
        "alliance.agreement_item",
        user=actor,
        request=request,
        obj=item.agreement,
        detail={"item": item.pk, "from": before, "to": status},
    )
    return item


@transaction.atomic
def agreement_renew(
    agreement: Agreement,
    *,
    ends_on: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Agreement:
    ends_on = date(ends_on, "ends_on", "期限止")
    if ends_on <= agreement.ends_on:
        raise AllianceError("续签后的期限止应晚于原期限", "ends_on")
    agreement.ends_on = ends_on
    agreement.reminded_at = None
    agreement.save(update_fields=["ends_on", "reminded_at", "updated_at"])
    audit_record("alliance.agreement_renew", user=actor, request=request, obj=agreement)
    return agreement
