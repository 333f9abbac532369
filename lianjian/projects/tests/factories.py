"""Builders for the projects tests, through the services as real writes go."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.projects import services, services_reg
from lianjian.projects.models import Item, Kind, Registration


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
