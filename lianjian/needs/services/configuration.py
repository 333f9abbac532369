"""Configuration each street keeps: departments, categories, routing, settings,
service stations and items."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction

from lianjian.core.audit import audit_record
from lianjian.needs.models import (
    Category,
    Department,
    ServiceItem,
    ServiceStation,
    StreetSettings,
)
from lianjian.needs.selectors import department_open_count
from lianjian.needs.services.errors import (
    NeedError,
)
from lianjian.orgs.models import Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger("lianjian.needs")


def _street_of(region: Region) -> Region:
    if region.level == Region.Level.STREET:
        return region
    if region.street_ref_id:
        return Region.objects.get(pk=region.street_ref_id)
    raise NeedError("请选择街道或街道以下的区域", "region")


@transaction.atomic
def department_create(
    *, street: Region, key: str, name: str, phone: str = "", actor: User | None = None
) -> Department:
    key, name = key.strip(), name.strip()
    if street.level != Region.Level.STREET:
        raise NeedError("部门必须属于某个街道", "street")
    if not key or not name:
        raise NeedError("部门编码和名称不能为空", "key")
    if Department.objects.filter(key=key).exists():
        raise NeedError("部门编码已被使用", "key")
    dept = Department.objects.create(street=street, key=key, name=name, phone=phone)
    audit_record("needs.department_create", user=actor, obj=dept, detail={"key": key})
    return dept


@transaction.atomic
def department_update(
    department: Department, *, name: str, phone: str = "", actor: User | None = None
) -> Department:
    """Rename a department or change its phone; its key (what handler grants name) stays."""
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name:
        raise NeedError("部门名称不能为空", "name")
    if len(name) > 100 or len(phone) > 30:
        raise NeedError("部门名称或电话过长", "name")
    if (
        Department.objects.filter(street_id=department.street_id, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise NeedError("本街道已有同名部门", "name")
    before = {"name": department.name, "phone": department.phone}
    department.name, department.phone = name, phone
    department.save(update_fields=["name", "phone", "updated_at"])
    audit_record(
        "needs.department_update",
        user=actor,
        obj=department,
        scope=f"street:{department.street_id}",
        detail={"before": before, "name": name},
    )
    return department


@transaction.atomic
def department_set_active(
    department: Department, *, active: bool, actor: User | None = None
) -> Department:
    """Deactivate (or restore) a department.

    Refused while it still owes replies or is the street's fallback: needs must
    never sit with a department nobody routes to. Categories routed to it fall
    back to the street's fallback department (`route_for` skips inactive ones).
    """
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.is_active == active:
        return department
    if not active:
        open_count = department_open_count(department)
        if open_count:
            raise NeedError(f"该部门还有 {open_count} 件在办需求，请先转办或办结后再停用")
        if StreetSettings.objects.filter(fallback_department=department).exists():
            raise NeedError("该部门是本街道的兜底部门，请先更换兜底部门")
    department.is_active = active
    department.save(update_fields=["is_active", "updated_at"])
    audit_record(
        "needs.department_activate" if active else "needs.department_deactivate",
        user=actor,
        obj=department,
        scope=f"street:{department.street_id}",
    )
    return department


@transaction.atomic
def category_create(
    *,
    street: Region,
    name: str,
    parent: Category | None = None,
    department: Department | None = None,
    deadline_workdays: int = 5,
    keywords: str = "",
    actor: User | None = None,
) -> Category:
    name = name.strip()
    if street.level != Region.Level.STREET:
        raise NeedError("类别必须属于某个街道", "street")
    if not name:
        raise NeedError("类别名称不能为空", "name")
    if not 1 <= int(deadline_workdays) <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "deadline_workdays")
    if parent is not None and parent.street_id != street.pk:
        raise NeedError("上级类别不属于该街道", "parent")
    if department is not None and department.street_id != street.pk:
        raise NeedError("责任部门不属于该街道", "department")
    if Category.objects.filter(street=street, parent=parent, name=name).exists():
        raise NeedError("同级下已有同名类别", "name")
    cat = Category.objects.create(
        street=street,
        parent=parent,
        name=name,
        department=department,
        deadline_workdays=deadline_workdays,
        keywords=keywords.strip(),
    )
    audit_record("needs.category_create", user=actor, obj=cat, detail={"name": name})
    return cat


@transaction.atomic
def category_update(
    category: Category,
    *,
    department: Department | None,
    deadline_workdays: int,
    is_active: bool = True,
    name: str | None = None,
    keywords: str | None = None,
    actor: User | None = None,
) -> Category:
    """Change a category's routing rule, deadline, name or keywords (new dispatches use them).

    Needs already dispatched keep the deadline they were given.
    """
    if department is not None and department.street_id != category.street_id:
        raise NeedError("责任部门不属于该街道", "department")
    if (
        department is not None
        and not department.is_active
        and department.pk != (category.department_id)
    ):
        raise NeedError("责任部门已停用", "department")
    if not 1 <= int(deadline_workdays) <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "deadline_workdays")
    name = category.name if name is None else name.strip()
    if not name or len(name) > 50:
        raise NeedError("类别名称不能为空，且不超过 50 字", "name")
    if (
        Category.objects.filter(
            street_id=category.street_id, parent_id=category.parent_id, name=name
        )
        .exclude(pk=category.pk)
        .exists()
    ):
        raise NeedError("同级下已有同名类别", "name")
    keywords = category.keywords if keywords is None else keywords.strip()
    if len(keywords) > 300:
        raise NeedError("关键词不能超过 300 字", "keywords")
    before = {
        "name": category.name,
        "department": category.department_id,
        "deadline": category.deadline_workdays,
        "active": category.is_active,
    }
    category.department = department
    category.deadline_workdays = deadline_workdays
    category.is_active = is_active
    category.name = name
    category.keywords = keywords
    category.save(
        update_fields=[
            "department",
            "deadline_workdays",
            "is_active",
            "name",
            "keywords",
            "updated_at",
        ]
    )
    audit_record(
        "needs.category_update",
        user=actor,
        obj=category,
        scope=f"street:{category.street_id}",
        detail={"before": before, "department": category.department_id, "name": name},
    )
    return category


@transaction.atomic
def street_settings_save(
    street: Region,
    *,
    fallback_department: Department | None,
    default_deadline_workdays: int = 5,
    escalate_after_workdays: int = 0,
    remind_before_workdays: int = 1,
    autoclose_after_workdays: int | None = None,
    actor: User | None = None,
) -> StreetSettings:
    if fallback_department is not None and fallback_department.street_id != street.pk:
        raise NeedError("兜底部门不属于该街道", "fallback_department")
    if fallback_department is not None and not fallback_department.is_active:
        raise NeedError("兜底部门已停用", "fallback_department")
    if autoclose_after_workdays is not None and not 0 <= autoclose_after_workdays <= 60:
        raise NeedError("自动办结天数应为 0 到 60 个工作日", "autoclose_after_workdays")
    if not 1 <= default_deadline_workdays <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "default_deadline_workdays")
    if not 0 <= escalate_after_workdays <= 30 or not 0 <= remind_before_workdays <= 10:
        raise NeedError("提醒或升级天数超出范围", "escalate_after_workdays")
    obj, _ = StreetSettings.objects.update_or_create(
        street=street,
        defaults={
            "fallback_department": fallback_department,
            "default_deadline_workdays": default_deadline_workdays,
            "escalate_after_workdays": escalate_after_workdays,
            "remind_before_workdays": remind_before_workdays,
            **(
                {"autoclose_after_workdays": autoclose_after_workdays}
                if autoclose_after_workdays is not None
                else {}
            ),
        },
    )
    audit_record("needs.settings_save", user=actor, obj=obj, scope=f"street:{street.pk}")
    return obj


@transaction.atomic
def service_station_create(
    *, name: str, region: Region, address: str = "", actor: User | None = None
) -> ServiceStation:
    name = name.strip()
    if not name:
        raise NeedError("服务站名称不能为空", "name")
    station = ServiceStation.objects.create(
        name=name, region=region, address=address.strip(), **region.ancestor_ids()
    )
    audit_record("needs.station_create", user=actor, obj=station)
    return station


@transaction.atomic
def service_item_create(
    *,
    station: ServiceStation,
    name: str,
    kind: str = "",
    description: str = "",
    provider: Unit | None = None,
    category: Category | None = None,
    actor: User | None = None,
) -> ServiceItem:
    name = name.strip()
    if not name:
        raise NeedError("服务项目名称不能为空", "name")
    item = ServiceItem.objects.create(
        station=station,
        name=name,
        kind=kind.strip(),
        description=description.strip(),
        provider=provider,
        category=category,
        district_id=station.district_id,
        street_id=station.street_id,
        community_id=station.community_id,
        area_id=station.area_id,
    )
    audit_record("needs.service_item_create", user=actor, obj=item)
    return item


def route_for(street_id: int, category: Category | None) -> Department | None:
    """Routing rule: the category's department (or its parent's), else the street fallback."""
    node = category
    while node is not None:
        if node.department_id and node.department and node.department.is_active:
            return node.department
        node = node.parent
    settings_row = (
        StreetSettings.objects.filter(street_id=street_id)
        .select_related("fallback_department")
        .first()
    )
    return settings_row.fallback_department if settings_row else None
