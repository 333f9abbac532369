"""Shared fixtures of the alliances tests, on the persona tree of the root conftest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lianjian.alliances.models import Alliance, Body, Meeting, Proposal
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services

FOUNDED = dt.date(2024, 1, 10)


@dataclass
class World:
    alliance: Alliance
    body: Body  # street joint meeting of street a: unit_a1, unit_a2, unit_building
    meeting: Meeting  # scheduled today
    proposal: Proposal  # submitted by unit_building


def schedule(body: Body, when: dt.datetime | None = None, **kw: Any) -> Meeting:
    args: dict[str, Any] = {
        "title": "第一季度联席会议",
        "scheduled_at": when or timezone.now(),
        "place": "街道党群服务中心",
    }
    args.update(kw)
    return meeting_services.meeting_schedule(body, **args)


def make_world(tree: Any) -> World:
    alliance = alliance_services.alliance_create(
        name="虹桥街道楼宇党建联盟",
        level="street",
        region=tree.street_a,
        founded_on=FOUNDED,
        lead_unit=tree.unit_a1,
        charter_text="党建共建、资源共享",
    )
    alliance_services.alliance_members_add_many(
        alliance, [tree.unit_a2, tree.unit_building], joined_on=FOUNDED
    )
    body = alliance_services.body_create(
        name="虹桥街道联席会议", kind=Body.Kind.STREET, region=tree.street_a
    )
    alliance_services.body_members_add_many(
        body, [tree.unit_a1, tree.unit_a2, tree.unit_building], joined_on=FOUNDED
    )
    meeting = schedule(body)
    proposal = proposal_services.proposal_create(
        body=body,
        unit=tree.unit_building,
        title="楼宇职工参与垃圾分类排班",
        content="建议各成员单位按轮班制定排班表",
        category="governance",
    )
    return World(alliance, body, meeting, proposal)
