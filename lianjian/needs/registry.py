"""What the needs channel declares to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lianjian.accounts.departments import DepartmentDirectory
from lianjian.core.registry import AppRegistry, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role
from lianjian.needs import cards
from lianjian.needs.indicators import INDICATORS
from lianjian.needs.retention import RULES as RETENTION_RULES
from lianjian.orgs.panels import UnitPanel

if TYPE_CHECKING:
    # registries load before the models do
    from lianjian.accounts.requests import AuthenticatedRequest
    from lianjian.orgs.models import Unit

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


def _department_search(regions: Any, text: str) -> list[tuple[str, str, str]]:
    """The grant form's department picker: active departments of these streets."""
    from django.db.models import Q

    from lianjian.needs.models import Department

    qs = Department.objects.filter(street__in=regions, is_active=True)
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(key__icontains=text))
    rows = qs.order_by("street_id", "name").values_list("key", "name", "street__name")[:21]
    return [(key, name, street) for key, name, street in rows]


def _department_names(keys: list[str]) -> dict[str, str]:
    from lianjian.needs.models import Department

    return dict(Department.objects.filter(key__in=keys).values_list("key", "name"))


def _unit_needs(request: AuthenticatedRequest, unit: Unit) -> str:
    """The needs section of a unit's page (`orgs.unit_panels`): what it asked for."""
    from django.template.loader import render_to_string

    from lianjian.needs.access import needs_visible_to
    from lianjian.needs.models import OPEN_STATUSES

    needs = needs_visible_to(request.user).filter(unit=unit)
    return render_to_string(
        "needs/_unit_panel.html",
        {
            "count": needs.count(),
            "open_count": needs.filter(status__in=OPEN_STATUSES).count(),
            "needs": needs.order_by("-created_at", "-id")[:10],
        },
        request=request,
    )


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
        # the phone home's tiles for members, residents and merchants (`self.view`)
        NavEntry("提交需求", "needs:public_submit", "self.view", order=30, surface="phone"),
        NavEntry("查询办理进度", "needs:track", "self.view", order=31, surface="phone"),
    ),
    cards=(
        HomeCard(
            "needs.to_dispatch", "待派单需求", "needs.dispatch", cards.to_dispatch, "todo", 10
        ),
        HomeCard("needs.returned", "部门退回待重派", "needs.dispatch", cards.returned, "todo", 11),
        HomeCard(
            "needs.awaiting", "本部门待答复", "needs.handle", cards.awaiting_reply, "todo", 12
        ),
        HomeCard("needs.due_tomorrow", "明日到期", "needs.handle", cards.due_tomorrow, "todo", 13),
        HomeCard("needs.overdue", "已超期需求", "needs.view", cards.overdue, "todo", 14),
        HomeCard("needs.total", "需求总数", "needs.view", cards.all_needs, "kpi", 39),
        HomeCard("needs.open", "办理中的需求", "needs.view", cards.open_needs, "kpi", 40),
        HomeCard("needs.on_time", "按时答复率", "needs.stats", cards.on_time_rate, "kpi", 41),
        HomeCard("needs.satisfaction", "满意率", "needs.stats", cards.satisfaction_rate, "kpi", 42),
    ),
    notification_kinds=(
        # staff: a need to dispatch, dispatched, returned, transferred, due, overdue
        NotificationKind("needs", "需求工单待办", channels=("sms", "email")),
        # the submitter (no account) by SMS, when they left a mobile
        NotificationKind("needs.replied", "需求已答复（短信告知提交人）", ("sms",), ("sms",)),
        NotificationKind("needs.closed", "需求已办结（短信告知提交人）", ("sms",), ("sms",)),
    ),
    urls=(("needs/", "lianjian.needs.urls"),),
    api_routers=_api_routers,
    extensions={
        # needs answered on time, a figure of rating schemes (ADR 0018)
        "ratings.indicators": INDICATORS,
        "accounts.department_lookup": [
            DepartmentDirectory(
                region_of=_department_region,
                keys_in=_department_keys_in,
                search=_department_search,
                names_of=_department_names,
            )
        ],
        "orgs.unit_panels": [UnitPanel("needs", "需求工单", "needs.view", _unit_needs, order=200)],
        # the submitters' contact details of finished needs (S17)
        "core.retention": RETENTION_RULES,
    },
)
