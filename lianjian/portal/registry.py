"""What the composition layer declares (see `lianjian.core.registry`)."""

from __future__ import annotations

from lianjian.core.registry import AppRegistry, NavEntry
from lianjian.core.roles import PHONE_ROLES, STAFF_ROLES

REGISTRY = AppRegistry(
    label="portal",
    order=1000,
    permissions={
        "dashboard.view": STAFF_ROLES,
        "self.view": PHONE_ROLES,
    },
    permission_labels={"dashboard.view": "查看工作台", "self.view": "查看本人信息"},
    nav=(NavEntry("工作台", "portal:home", "dashboard.view", order=10, active_prefixes=("/",)),),
    urls=(("", "lianjian.portal.urls"),),
)
