"""What accounts declares to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from lianjian.accounts import auth_cache
from lianjian.accounts.retention import RULES as RETENTION_RULES
from lianjian.core.registry import AppRegistry, NavEntry
from lianjian.core.roles import Role

REGISTRY = AppRegistry(
    label="accounts",
    order=50,
    permissions={
        "accounts.manage_users": (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN),
        "accounts.manage_grants": (Role.SECURITY_ADMIN,),
        "accounts.unlock": (Role.SECURITY_ADMIN,),
        # clearing a lost second factor is the security administrator's, never the
        # password resetter's: one administrator alone cannot take over an account (S10)
        "accounts.reset_otp": (Role.SECURITY_ADMIN,),
    },
    permission_labels={
        "accounts.manage_users": "管理账户",
        "accounts.manage_grants": "管理授权",
        "accounts.unlock": "解除锁定",
        "accounts.reset_otp": "重置双因素认证",
    },
    nav=(
        NavEntry(
            "账户与授权",
            "accounts:user_list",
            "accounts.manage_users|accounts.manage_grants|accounts.unlock",
            order=95,
        ),
    ),
    urls=(("accounts/", "lianjian.accounts.urls"),),
    # dead API tokens (S17)
    extensions={"core.retention": RETENTION_RULES},
    # bulk writes of the places grants read send no signal (ADR 0004)
    subscriptions={"orgs.places_bulk_written": auth_cache.on_places_bulk_written},
)
