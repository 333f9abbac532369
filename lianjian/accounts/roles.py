"""Roles and what each may do.

A role is granted on a subtree (a region, a Party organization, a department
or a unit); the permission strings here say *what* a role may do, the grant
says *where*. Kept as code rather than database rows because every check in
the suite is written against these names.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区级管理员"
    STREET_STAFF = "street_staff", "街道党工委工作人员"
    COMMUNITY_SECRETARY = "community_secretary", "社区党组织书记"
    UNIT_ADMIN = "unit_admin", "单位党组织管理员"
    DEPT_HANDLER = "dept_handler", "职能部门经办人"
    MEMBER = "member", "党员/居民"
    MERCHANT = "merchant", "商户"
    RECRUITER = "recruiter", "企业招聘"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


REGISTRY_READ = {
    "orgs.view_region",
    "orgs.view_unit",
    "orgs.view_partyorg",
    "orgs.view_member",
    "dashboard.view",
    "orgs.view_coverage",
    "orgs.export",
}
REGISTRY_WRITE = {
    "orgs.change_unit",
    "orgs.change_partyorg",
    "orgs.change_member",
    "orgs.import",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: REGISTRY_READ
    | REGISTRY_WRITE
    | {
        "orgs.change_region",
        "orgs.unmask",
        "needs.view",
        "needs.dispatch",
        "needs.configure",
        "needs.stats",
        "needs.intake",
        "needs.calendar",
        "accounts.manage_users",
    },
    Role.STREET_STAFF: REGISTRY_READ
    | REGISTRY_WRITE
    | {
        "orgs.unmask",
        "needs.view",
        "needs.dispatch",
        "needs.configure",
        "needs.stats",
        "needs.intake",
    },
    Role.COMMUNITY_SECRETARY: REGISTRY_READ
    | REGISTRY_WRITE
    | {"needs.view", "needs.intake", "needs.stats"},
    Role.UNIT_ADMIN: {
        "orgs.view_unit",
        "orgs.view_partyorg",
        "orgs.view_member",
        "orgs.change_member",
        "dashboard.view",
    },
    Role.DEPT_HANDLER: {"needs.view", "needs.handle", "needs.stats", "dashboard.view"},
    Role.MEMBER: {"self.view"},
    Role.MERCHANT: {"self.view"},
    Role.RECRUITER: {"self.view"},
    Role.SYSTEM_ADMIN: {"accounts.manage_users", "dashboard.view"},
    Role.SECURITY_ADMIN: {"accounts.manage_grants", "accounts.unlock", "dashboard.view"},
    Role.AUDIT_ADMIN: {"core.view_audit", "dashboard.view"},
}

# visits and cross-appointment (DOMAIN.md §3): unit admins read their units' visits
for _role in (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY, Role.UNIT_ADMIN):
    ROLE_PERMISSIONS[_role].add("visits.view")
for _role in (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY):
    ROLE_PERMISSIONS[_role].add("visits.record")

for _role in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):  # the health page (/system/health/)
    ROLE_PERMISSIONS[_role].add("core.view_health")

STAFF_ROLES = {
    Role.DISTRICT_ADMIN,
    Role.STREET_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.UNIT_ADMIN,
    Role.DEPT_HANDLER,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.AUDIT_ADMIN,
}
