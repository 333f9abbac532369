"""What the registries app declares to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import Any

from lianjian.core.actors import Actor
from lianjian.core.registry import AppRegistry, HomeCard, NavEntry
from lianjian.core.roles import Role
from lianjian.orgs import cards
from lianjian.orgs.indicators import INDICATORS
from lianjian.orgs.ledger_kinds import KINDS as LEDGER_KINDS
from lianjian.orgs.pickers import PICKERS
from lianjian.orgs.retention import RULES as RETENTION_RULES

_READ = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)
_WRITE = _READ
_UNIT = (Role.UNIT_ADMIN,)


def _member_mobile(user: Actor) -> str:
    from lianjian.orgs.selectors import member_mobile_of

    return member_mobile_of(user)


def _api_routers() -> list[Any]:
    from lianjian.orgs.api import router
    from lianjian.orgs.api_members import router as members_router

    return [router, members_router]


REGISTRY = AppRegistry(
    label="orgs",
    order=100,
    permissions={
        "orgs.view_region": _READ,
        "orgs.view_unit": _READ + _UNIT,
        "orgs.view_partyorg": _READ + _UNIT,
        "orgs.view_member": _READ + _UNIT,
        "orgs.view_coverage": _READ,
        "orgs.export": _READ,
        "orgs.change_unit": _WRITE,
        "orgs.change_partyorg": _WRITE,
        "orgs.change_member": _WRITE + _UNIT,
        "orgs.import": _WRITE,
        "orgs.change_region": (Role.DISTRICT_ADMIN,),
        "orgs.unmask": (Role.DISTRICT_ADMIN, Role.STREET_STAFF),
        "orgs.view_conflicts": (Role.DISTRICT_ADMIN,),
    },
    permission_labels={
        "orgs.view_region": "查看区域",
        "orgs.view_unit": "查看单位",
        "orgs.view_partyorg": "查看党组织",
        "orgs.view_member": "查看党员",
        "orgs.view_coverage": "查看覆盖统计",
        "orgs.export": "导出台账",
        "orgs.change_unit": "维护单位",
        "orgs.change_partyorg": "维护党组织",
        "orgs.change_member": "维护党员",
        "orgs.import": "导入台账",
        "orgs.change_region": "维护区域",
        "orgs.unmask": "查看完整身份证号和手机号",
        "orgs.view_conflicts": "查看身份证号码登记冲突",
    },
    nav=(
        NavEntry(
            "组织树",
            "orgs:partyorg_tree",
            "orgs.view_partyorg",
            order=19,
            active_prefixes=("/orgs/party-orgs/tree/", "/orgs/regions/tree/"),
        ),
        NavEntry("区域", "orgs:region_list", "orgs.view_region", order=20),
        NavEntry("单位", "orgs:unit_list", "orgs.view_unit", order=21),
        NavEntry("党组织", "orgs:partyorg_list", "orgs.view_partyorg", order=22),
        NavEntry("党员", "orgs:member_list", "orgs.view_member", order=23),
        NavEntry("登记冲突", "orgs:conflict_list", "orgs.view_conflicts", order=26),
    ),
    cards=(
        HomeCard(
            "orgs.uncovered", "未覆盖两新组织", "orgs.view_coverage", cards.uncovered, "todo", 25
        ),
        HomeCard(
            "orgs.coverage", "组织覆盖率", "orgs.view_coverage", cards.org_coverage, "kpi", 20
        ),
    ),
    urls=(("orgs/", "lianjian.orgs.urls"),),
    api_routers=_api_routers,
    extensions={
        # units covered, a figure of rating schemes (ADR 0018)
        "ratings.indicators": INDICATORS,
        # what the registries keep and for how long (S17)
        "core.retention": RETENTION_RULES,
        "core.pickers": PICKERS,
        # units, Party organizations and members, imported and exported by the ledger
        "ledger.kinds": LEDGER_KINDS,
        # a member's own mobile reaches them by SMS when they choose it
        "core.user_mobile": [_member_mobile],
    },
)
