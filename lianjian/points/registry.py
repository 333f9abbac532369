"""What points (积分 and the red alliance card) declares to the platform (`core.registry`).

Subscriptions are by event name, so points never imports the publishing apps:
attendance, verified service hours and completed lessons (activities) and a
member's delivered claim (projects) award by the street's rules.
`alliances.meeting_attended` is deliberately not subscribed: it records a *unit*
at a joint meeting, and points belong to members (ADR 0021).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry
from lianjian.core.roles import Role

if TYPE_CHECKING:
    from ninja import Router

    from lianjian.accounts.models import User
    from lianjian.core.demo import DemoFigure
    from lianjian.core.ledger_kinds import LedgerKind
    from lianjian.core.pickers import Picker
    from lianjian.points.models import Entry


_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Router]:
    from lianjian.points.api import router

    return [router]


def _handler(name: str) -> Callable[..., Entry | None]:
    # an event's payload is passed through as published (JSON values, read by name)
    def handle(**payload: Any) -> Entry | None:
        from lianjian.points import services

        award: Callable[..., Entry | None] = getattr(services, name)
        return award(**payload)

    handle.__name__ = name
    return handle


def _balance_card(user: User) -> CardValue | None:
    from lianjian.points.access import member_of
    from lianjian.points.selectors import balance_of

    member = member_of(user)
    if member is None:
        return None
    return CardValue(balance_of(member.pk), url="/points/me/", hint="我的积分")


def _cards_card(user: User) -> CardValue | None:
    from lianjian.points.selectors import tier_totals

    t = tier_totals(user)
    return CardValue(f"{t['gold']} / {t['silver']}", url="/points/cards/", hint="金卡 / 银卡")


def _merchants_card(user: User) -> CardValue | None:
    from lianjian.points.access import merchants_for

    n = merchants_for(user).filter(left_on__isnull=True).count()
    return CardValue(n, url="/points/merchants/", hint="红色联盟商户")


def _demo_figures() -> tuple[DemoFigure, ...]:
    from lianjian.points.demo import FIGURES

    return FIGURES


def _ledger_kind() -> LedgerKind:
    from lianjian.points.ledger_kind import KIND

    return KIND


def _pickers() -> list[Picker]:
    from lianjian.points.pickers import PICKERS

    return PICKERS


def _enqueue_expiry() -> None:
    from lianjian.points.tasks import points_expire_task

    points_expire_task.enqueue()


AUDIT_LABELS = {
    "points.enrol": "参加积分计划",
    "points.withdraw": "退出积分计划",
    "points.scheme_save": "修改积分方案",
    "points.rule_create": "新增积分规则",
    "points.rule_edit": "修订积分规则",
    "points.rule_close": "停用积分规则",
    "points.adjust": "积分调整",
    "points.certify": "积分认定",
    "points.card_suspend": "暂停联盟卡",
    "points.card_resume": "恢复联盟卡",
    "points.card_revoke": "注销联盟卡",
    "points.card_rotate": "更换联盟卡二维码",
    "points.merchant_join": "商户加入红色联盟",
    "points.merchant_leave": "商户退出红色联盟",
    "points.agreement_sign": "签订发展协议",
    "points.redeem": "商户受理用卡",
    "points.import": "导入积分台账",
}

REGISTRY = AppRegistry(
    label="points",
    order=470,
    permissions={
        "points.own": (Role.MEMBER,),
        "points.redeem": (Role.MERCHANT,),
        "points.manage": (Role.DISTRICT_ADMIN, Role.STREET_STAFF),
        "points.certify": (Role.STREET_STAFF, Role.COMMUNITY_SECRETARY),
        "points.report": _STAFF,
    },
    permission_labels={
        "points.own": "查看本人积分与联盟卡",
        "points.redeem": "商户验卡与登记优惠",
        "points.manage": "维护积分规则、联盟商户与发展协议",
        "points.certify": "认定积分、调整积分与管理联盟卡",
        "points.report": "查看积分与联盟卡统计",
    },
    nav=(
        NavEntry("我的积分", "points:me", "points.own", order=62, surface="both"),
        NavEntry("验卡", "points:shop", "points.redeem", order=62, surface="both"),
        NavEntry(
            "积分联盟卡", "points:desk", "points.report", order=78, active_prefixes=("/points/",)
        ),
    ),
    cards=(
        HomeCard("points.balance", "我的积分", "points.own", _balance_card, surface="phone"),
        HomeCard("points.cards", "红色动力双赢卡", "points.report", _cards_card),
        HomeCard("points.merchants", "红色联盟商户", "points.report", _merchants_card),
    ),
    urls=(("points/", "lianjian.points.urls"),),
    api_routers=_api_routers,
    subscriptions={
        "activities.attendance_confirmed": _handler("on_attendance_confirmed"),
        "activities.hours_verified": _handler("on_hours_verified"),
        "activities.lesson_completed": _handler("on_lesson_completed"),
        "projects.claim_delivered": _handler("on_claim_delivered"),
    },
    extensions={
        "ledger.kinds": (_ledger_kind(),),
        "core.periodic": (Periodic("points_expire", 86400, _enqueue_expiry),),
        "core.audit_labels": (AUDIT_LABELS,),
        "core.pickers": _pickers(),
        "portal.demo_figures": _demo_figures(),
    },
)
