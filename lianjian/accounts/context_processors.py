"""Navigation by role: each entry names the permission it needs (alternatives joined by `|`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lianjian.accounts.permissions import user_has_any_perm, user_roles
from lianjian.accounts.roles import Role

NAV: list[tuple[str, str, str]] = [
    ("工作台", "dashboard:home", "dashboard.view"),
    ("区域", "orgs:region_list", "orgs.view_region"),
    ("单位", "orgs:unit_list", "orgs.view_unit"),
    ("党组织", "orgs:partyorg_list", "orgs.view_partyorg"),
    ("党员", "orgs:member_list", "orgs.view_member"),
    ("覆盖统计", "ledger:coverage", "orgs.view_coverage"),
    ("台账导入", "ledger:home", "orgs.import"),
    ("需求工单", "needs:list", "needs.view"),
    ("需求统计", "needs:stats", "needs.stats"),
    ("需求配置", "needs:config", "needs.configure"),
    ("走访", "visits:list", "visits.view"),
    ("审计日志", "core:audit_list", "core.view_audit"),
    ("系统状态", "system:health", "core.view_health"),
    (
        "账户与授权",
        "accounts:user_list",
        "accounts.manage_users|accounts.manage_grants|accounts.unlock",
    ),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "role_labels": []}
    items = [(label, name) for label, name, perm in NAV if user_has_any_perm(user, perm)]
    labels = [Role(r).label for r in sorted(user_roles(user))]
    return {"nav_items": items, "role_labels": labels}
