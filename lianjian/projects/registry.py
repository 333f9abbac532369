"""What projects and claiming declare to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role
from lianjian.projects.indicators import INDICATORS

if TYPE_CHECKING:
    from ninja import Router

    from lianjian.accounts.models import User
    from lianjian.core.demo import DemoFigure

_REGION_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Router]:
    from lianjian.projects.api import router
    from lianjian.projects.api_pairs import router as pairs_router

    return [router, pairs_router]


def _to_confirm(user: User) -> CardValue | None:
    from lianjian.projects import selectors

    n = selectors.claims_to_confirm(user).count()
    return CardValue(n, "/projects/?status=delivered", "认领方已报告交付", "warn") if n else None


def _to_approve(user: User) -> CardValue | None:
    from lianjian.projects import selectors

    n = selectors.registrations_pending(user).count()
    return CardValue(n, "/projects/registrations/?status=pending", "双报到待审核") if n else None


def _my_claims(user: User) -> CardValue | None:
    from lianjian.projects import selectors

    n = selectors.my_open_claims(user).count()
    return CardValue(n, "/projects/m/", "进行中的认领")


def _open_near(user: User) -> CardValue | None:
    from lianjian.projects import selectors

    n = selectors.open_items_for_claimant(user).count()
    return CardValue(n, "/projects/m/", "报到社区可认领的项目")


def _demo_figures() -> tuple[DemoFigure, ...]:
    from lianjian.projects.demo import FIGURES

    return FIGURES


def _enqueue_projects_tick() -> None:
    from lianjian.projects.tasks import projects_tick_task

    projects_tick_task.enqueue()


REGISTRY = AppRegistry(
    label="projects",
    order=320,
    permissions={
        "projects.view": (*_REGION_STAFF, Role.UNIT_ADMIN, Role.MEMBER),
        # publish items, approve registrations, confirm or return deliveries (in scope)
        "projects.manage": _REGION_STAFF,
        # claim, report progress and delivery (for oneself or one's organizations)
        "projects.claim": (Role.UNIT_ADMIN, Role.MEMBER),
        "projects.report": _REGION_STAFF,
        "projects.rule": (Role.DISTRICT_ADMIN, Role.STREET_STAFF),
    },
    permission_labels={
        "projects.view": "查看认领项目",
        "projects.manage": "发布项目、审核报到、确认交付",
        "projects.claim": "报到并认领项目",
        "projects.report": "查看认领统计",
        "projects.rule": "设置“1+1”难题认领规则",
    },
    nav=(
        NavEntry(
            "项目认领",
            "projects:list",
            "projects.manage",
            order=45,
            active_prefixes=("/projects/",),
        ),
        NavEntry("认领统计", "projects:report", "projects.report", order=46),
        NavEntry("我的认领", "projects:phone", "projects.claim", order=47, surface="both"),
        NavEntry(
            "帮扶对子",
            "projects:pairs",
            "projects.view",
            order=48,
            active_prefixes=("/projects/pairs/",),
        ),
    ),
    cards=(
        HomeCard("projects.to_confirm", "待确认交付", "projects.manage", _to_confirm, kind="todo"),
        HomeCard("projects.to_approve", "待审核报到", "projects.manage", _to_approve, kind="todo"),
        HomeCard("projects.my_claims", "我的认领", "projects.claim", _my_claims, surface="phone"),
        HomeCard("projects.open_near", "可认领项目", "projects.claim", _open_near, surface="phone"),
    ),
    notification_kinds=(
        NotificationKind("projects.registration", "双报到审核结果"),
        NotificationKind("projects.delivery", "认领交付与确认", channels=("sms",)),
        NotificationKind("projects.overdue", "认领超期提醒", channels=("sms",)),
    ),
    urls=(("projects/", "lianjian.projects.urls"),),
    api_routers=_api_routers,
    extensions={
        # claims delivered, a figure of rating schemes (ADR 0018)
        "ratings.indicators": INDICATORS,
        # overdue reminders, escalation and expiry once a day (`lianjian start`; cron in
        # production runs `lianjian projects_tick --enqueue`)
        "core.periodic": (Periodic("projects_tick", 86400, _enqueue_projects_tick),),
        "portal.demo_figures": _demo_figures(),
    },
)
