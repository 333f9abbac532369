"""Builders for the projects tests, through the services as real writes go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.projects import services, services_pairs, services_reg
from lianjian.projects.models import Item, Kind, Pair, Registration


def make_item(region: Region, kind: str = Kind.WISH, publish: bool = True, **kw: Any) -> Item:
    data: dict[str, Any] = {
        "title": "为独居老人配一辆轮椅",
        "description": "老人行动不便，希望有一辆轮椅",
        "beneficiary_count": 1,
        "estimated_value": "800",
        "wanted_by": timezone.localdate() + dt.timedelta(days=30),
    }
    data.update(kw)
    return services.item_create(region=region, kind=kind, publish_now=publish, **data)


def register_org(org: PartyOrg, region: Region, approve: bool = True) -> Registration:
    reg = services_reg.registration_submit(
        region=region, party_org=org, resources="志愿者 20 名", skills="维修"
    )
    if approve:
        reg = services_reg.registration_decide(reg, approve=True)
    return reg


def register_member(member: Member, region: Region, approve: bool = True) -> Registration:
    if member.residence_community_id != region.pk:
        Member.objects.filter(pk=member.pk).update(residence_community=region)
        member.residence_community = region
    reg = services_reg.registration_submit(region=region, member=member, skills="理发")
    if approve:
        reg = services_reg.registration_decide(reg, approve=True)
    return reg


# ---------------------------------------------------------------- 帮扶对子

EVERYONE = (
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
)
VIEWERS = {"district_admin", "street_staff", "secretary_a1", "secretary_a2", "unit_admin", "member"}
IN_SCOPE = {"district_admin", "street_staff", "secretary_a1", "unit_admin"}


@dataclass
class PairWorld:
    reg: Registration  # the unit admin's organization, registered at 虹储
    pair: Pair  # its pair with 周家 in 虹储, with a note
    pair_b: Pair  # a pair in the sibling street's community (机场新村)


def make_pair(reg: Registration, name: str = "周家", note: str = "母亲重病", **kw: Any) -> Pair:
    data: dict[str, Any] = {
        "household_name": name,
        "people": 3,
        "consent": True,
        "started_on": timezone.localdate() - dt.timedelta(days=30),
        "household_note": note,
    }
    data.update(kw)
    return services_pairs.pair_create(registration=reg, **data)
