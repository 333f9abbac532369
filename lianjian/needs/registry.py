"""What the needs channel declares to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import Any

from lianjian.accounts.departments import DepartmentDirectory
from lianjian.core.registry import AppRegistry, NavEntry
from lianjian.core.roles import Role
from lianjian.needs.retention import RULES as RETENTION_RULES

_DISTRICT = Role.DISTRICT_ADMIN
_STREET = Role.STREET_STAFF
_COMMUNITY = Role.COMMUNITY_SECRETARY
_DEPT = Role.DEPT_HANDLER


def _api_routers() -> list[Any]:
    from lianjian.needs.api import router

    return [router]


def _department_region(key: str) -> int | None:
    """A handler grant's department lies in its street (accounts checks grants against it)."""
    from lianjian.needs.models import Department

    street_id: int | None = (
        Department.objects.filter(key=key).values_list("street_id", flat=True).first()
    )
    return street_id


def _department_keys_in(regions: Any) -> Any:
    from lianjian.needs.models import Department

    return Department.objects.filter(street__in=regions).values("key")


REGISTRY = AppRegistry(
    label="needs",
    order=200,
    permissions={
        "needs.view": (_DISTRICT, _STREET, _COMMUNITY, _DEPT),
        "needs.dispatch": (_DISTRICT, _STREET),
        "needs.configure": (_DISTRICT, _STREET),
        "needs.stats": (_DISTRICT, _STREET, _COMMUNITY, _DEPT),
        "needs.intake": (_DISTRICT, _STREET, _COMMUNITY),
        "needs.handle": (_DEPT,),
        # full submitter phones in the list's Excel export, with a stated reason (S9)
        "needs.unmask": (_DISTRICT, _STREET),
        # the district's days, and a street's own days off and extra workdays
        "needs.calendar": (_DISTRICT, _STREET),
    },
    permission_labels={
        "needs.view": "查看需求工单",
        "needs.dispatch": "分派需求",
        "needs.configure": "配置需求类别与部门",
        "needs.stats": "查看需求统计",
        "needs.intake": "登记需求",
        "needs.handle": "办理需求",
        "needs.unmask": "导出需求提出人完整手机号",
        "needs.calendar": "维护工作日历",
    },
    nav=(
        NavEntry("需求工单", "needs:list", "needs.view", order=30),
        NavEntry("需求统计", "needs:stats", "needs.stats", order=31),
        NavEntry("需求配置", "needs:config", "needs.configure", order=32),
    ),
    urls=(("needs/", "lianjian.needs.urls"),),
    api_routers=_api_routers,
    extensions={
        "accounts.department_lookup": [
            DepartmentDirectory(region_of=_department_region, keys_in=_department_keys_in)
        ],
        # the submitters' contact details of finished needs (S17)
        "core.retention": RETENTION_RULES,
    },
)
