"""What visits and cross-appointment declare to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import Any

from lianjian.core.registry import AppRegistry, HomeCard, NavEntry
from lianjian.core.roles import Role
from lianjian.visits import cards

_REGION_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Any]:
    from lianjian.visits.api import router

    return [router]


def _pickers() -> list[Any]:
    from lianjian.visits.pickers import PICKERS

    return PICKERS


def _unit_panels() -> list[Any]:
    from lianjian.visits.panels import PANELS

    return PANELS


REGISTRY = AppRegistry(
    label="visits",
    order=300,
    permissions={
        # unit admins read their units' visits (DOMAIN.md §3)
        "visits.view": (*_REGION_STAFF, Role.UNIT_ADMIN),
        "visits.record": _REGION_STAFF,
    },
    permission_labels={"visits.view": "查看走访", "visits.record": "登记走访"},
    nav=(NavEntry("走访", "visits:list", "visits.view", order=40),),
    cards=(
        HomeCard(
            "visits.follow_up", "待跟进走访", "visits.record", cards.follow_ups_pending, "todo", 20
        ),
        HomeCard(
            "visits.coverage",
            "走访覆盖率（今年）",
            "visits.view",
            cards.coverage_this_year,
            "kpi",
            30,
        ),
        HomeCard("visits.month", "本月走访", "visits.view", cards.visits_this_month, "kpi", 31),
    ),
    urls=(("visits/", "lianjian.visits.urls"),),
    api_routers=_api_routers,
    extensions={"core.pickers": _pickers(), "orgs.unit_panels": _unit_panels()},
)
