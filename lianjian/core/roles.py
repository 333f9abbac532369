"""The platform's roles: the vocabulary every app's registry uses to say who may do what.

A role is granted on a subtree (a region, a Party organization, a department
or a unit): the grant says *where*. *What* a role may do is declared by each
app in its own `registry.py` (permission string → roles holding it) and
collected by `lianjian.core.registry`, so a new app adds its permissions
without editing any other app. Roles themselves are code, not rows: every
check in the suite is written against these names.
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


STAFF_ROLES = frozenset(
    {
        Role.DISTRICT_ADMIN,
        Role.STREET_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.UNIT_ADMIN,
        Role.DEPT_HANDLER,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)
# roles that work on a phone first (DOMAIN.md: members, residents, merchants, recruiters)
PHONE_ROLES = frozenset({Role.MEMBER, Role.MERCHANT, Role.RECRUITER})
# the business roles that manage or work on registry data in a region
REGION_STAFF = frozenset({Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY})
