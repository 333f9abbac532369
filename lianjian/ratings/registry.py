"""What ratings (分类定级, 五星级) declares to the platform (see `lianjian.core.registry`).

Extension point owned here: `"ratings.indicators"` — `lianjian.core.indicators.Indicator`
items other apps contribute (e.g. activities: activities held, course attendance);
a scheme's computed criteria may name them by key (`ratings.indicators.indicators`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role

if TYPE_CHECKING:
    from ninja import Router

    from lianjian.accounts.models import User
    from lianjian.core.demo import DemoFigure


def _api_routers() -> list[Router]:
    from lianjian.ratings.api import router

    return [router]


def _card(kind: str) -> Callable[[User], CardValue | None]:
    def compute(user: User) -> CardValue | None:
        from lianjian.ratings import selectors

        qs = {
            "self": selectors.self_assessments_due,
            "review": selectors.reviews_waiting,
            "confirm": selectors.confirmations_waiting,
        }[kind](user)
        n = qs.count()
        if not n:
            return None
        return CardValue(n, url=f"/ratings/?queue={kind}", level="warn")

    return compute


def _demo_figures() -> tuple[DemoFigure, ...]:
    from lianjian.ratings.demo import FIGURES

    return FIGURES


AUDIT_LABELS = {
    "rating.scheme_create": "制定评定方案",
    "rating.group_add": "新增指标分组",
    "rating.criterion_add": "新增评定指标",
    "rating.scheme_publish": "发布评定方案",
    "rating.round_open": "开始年度定级",
    "rating.self_save": "保存定级自评",
    "rating.evidence_add": "上传定级佐证",
    "rating.move": "定级流转",
    "rating.export": "导出定级统计",
    "rating.demo_build": "生成定级演示数据",
}

REGISTRY = AppRegistry(
    label="ratings",
    order=480,
    permissions={
        "ratings.self_assess": (Role.UNIT_ADMIN,),
        "ratings.review": (Role.STREET_STAFF,),
        "ratings.confirm": (Role.DISTRICT_ADMIN,),
        "ratings.manage": (Role.DISTRICT_ADMIN,),
        "ratings.report": (Role.DISTRICT_ADMIN, Role.STREET_STAFF),
    },
    permission_labels={
        "ratings.self_assess": "党组织定级自评、查看本组织等次、提出申诉",
        "ratings.review": "审核辖区党组织定级自评",
        "ratings.confirm": "确认党组织定级结果、处理申诉",
        "ratings.manage": "制定评定方案、开展年度定级",
        "ratings.report": "查看分类定级统计",
    },
    nav=(
        NavEntry(
            "分类定级",
            "ratings:list",
            "ratings.self_assess|ratings.review|ratings.confirm",
            order=80,
            active_prefixes=("/ratings/ratings/", "/ratings/"),
        ),
        NavEntry("定级统计", "ratings:report", "ratings.report", order=81),
        NavEntry("评定方案", "ratings:schemes", "ratings.manage", order=82),
    ),
    cards=(
        HomeCard(
            "ratings.self", "待提交的定级自评", "ratings.self_assess", _card("self"), kind="todo"
        ),
        HomeCard(
            "ratings.review", "待审核的定级自评", "ratings.review", _card("review"), kind="todo"
        ),
        HomeCard(
            "ratings.confirm", "待确认的定级结果", "ratings.confirm", _card("confirm"), kind="todo"
        ),
    ),
    notification_kinds=(
        NotificationKind("ratings.submitted", "定级待审核或待确认"),
        NotificationKind("ratings.returned", "定级被退回", channels=("sms",)),
        NotificationKind("ratings.confirmed", "定级结果已确认", channels=("sms",)),
        NotificationKind("ratings.appeal", "定级申诉"),
    ),
    urls=(("ratings/", "lianjian.ratings.urls"),),
    api_routers=_api_routers,
    extensions={
        "portal.demo_figures": _demo_figures(),
        "core.audit_labels": (AUDIT_LABELS,),
    },
)
