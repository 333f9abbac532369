"""What the composition layer declares (see `lianjian.core.registry`)."""

from __future__ import annotations

from lianjian.core.registry import AppRegistry, NavEntry
from lianjian.core.roles import PHONE_ROLES, STAFF_ROLES, Role

REGISTRY = AppRegistry(
    label="portal",
    order=1000,
    permissions={
        "dashboard.view": STAFF_ROLES,
        "self.view": PHONE_ROLES,
        # the district's wall display (大屏): coverage, needs and visits of the whole scope
        "screen.view": (Role.DISTRICT_ADMIN, Role.STREET_STAFF),
    },
    permission_labels={
        "dashboard.view": "查看工作台",
        "self.view": "查看本人信息",
        "screen.view": "查看大屏",
    },
    nav=(
        NavEntry("工作台", "portal:home", "dashboard.view", order=10, active_prefixes=("/",)),
        NavEntry("大屏", "portal:screen", "screen.view", order=96),
    ),
    urls=(("", "lianjian.portal.urls"),),
)
