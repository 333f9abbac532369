"""What activities and volunteering declare to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lianjian.activities.indicators import INDICATORS
from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role

if TYPE_CHECKING:
    from ninja import Router

    from lianjian.accounts.models import User
    from lianjian.core.demo import DemoFigure

_ORGANIZERS = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY, Role.UNIT_ADMIN)
_REGION_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Router]:
    from lianjian.activities.api import router
    from lianjian.activities.api_more import router as more

    return [router, more]


def _upcoming_card(user: User) -> CardValue | None:
    from lianjian.activities import selectors

    n = selectors.upcoming_events(user).count()
    return CardValue(n, url="/activities/m/", hint="近期可报名的活动")


def _my_hours_card(user: User) -> CardValue | None:
    from lianjian.activities import selectors

    total = selectors.year_total(user)
    return CardValue(f"{total} 小时", url="/activities/me/hours/", hint="本年已认定服务时长")


def _to_verify_card(user: User) -> CardValue | None:
    from lianjian.activities import selectors

    n = selectors.hours_to_verify(user).count()
    return (
        CardValue(n, url="/activities/hours/", hint="待审核的服务时长", level="warn") if n else None
    )


def _enqueue_reminders() -> None:
    from lianjian.activities.tasks import activities_reminders_task

    activities_reminders_task.enqueue()


def _demo_figures() -> tuple[DemoFigure, ...]:
    from lianjian.activities.demo import FIGURES

    return FIGURES


REGISTRY = AppRegistry(
    label="activities",
    order=420,
    permissions={
        "activities.join": (Role.MEMBER,),
        "activities.manage": _ORGANIZERS,
        "activities.report": _REGION_STAFF,
    },
    permission_labels={
        "activities.join": "参加活动与志愿服务（报名、签到、登记时长）",
        "activities.manage": "组织活动、管理志愿服务队、审核服务时长",
        "activities.report": "查看志愿服务统计",
    },
    nav=(
        NavEntry("活动报名", "activities:phone_home", "activities.join", order=55, surface="both"),
        NavEntry(
            "活动与志愿",
            "activities:events",
            "activities.manage",
            order=70,
            active_prefixes=("/activities/events/", "/activities/teams/"),
        ),
        NavEntry("时长审核", "activities:hours_queue", "activities.manage", order=71),
        NavEntry("志愿统计", "activities:report", "activities.report", order=72),
        NavEntry(
            "社区党校",
            "activities:school",
            "activities.join|activities.manage",
            order=75,
            surface="both",
        ),
        NavEntry("党校学习统计", "activities:school_report", "activities.report", order=76),
        NavEntry(
            "值班排班",
            "activities:rosters",
            "activities.join|activities.manage",
            order=74,
            surface="both",
        ),
        NavEntry(
            "场地预约",
            "activities:venues",
            "activities.join|activities.manage",
            order=73,
            surface="both",
        ),
    ),
    cards=(
        HomeCard(
            "activities.upcoming",
            "近期活动",
            "activities.join",
            _upcoming_card,
            surface="phone",
        ),
        HomeCard(
            "activities.my_hours",
            "我的服务时长",
            "activities.join",
            _my_hours_card,
            surface="phone",
        ),
        HomeCard(
            "activities.to_verify",
            "待审核的服务时长",
            "activities.manage",
            _to_verify_card,
            kind="todo",
        ),
    ),
    notification_kinds=(
        NotificationKind("activities.place_granted", "活动报名结果"),
        NotificationKind("activities.waitlist_promoted", "候补递补成功", channels=("sms",)),
        NotificationKind("activities.reminder", "活动提醒", channels=("sms",)),
        NotificationKind("activities.hours_reviewed", "服务时长审核结果"),
        NotificationKind("activities.booking_decided", "场地预约审批结果"),
    ),
    urls=(("activities/", "lianjian.activities.urls"),),
    api_routers=_api_routers,
    # the day-before duty reminders, once an hour
    extensions={
        "ratings.indicators": INDICATORS,
        "core.periodic": (Periodic("activities_reminders", 3600, _enqueue_reminders),),
        "portal.demo_figures": _demo_figures(),
    },
)
