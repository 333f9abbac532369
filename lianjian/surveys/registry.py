"""What surveys declare to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role

if TYPE_CHECKING:
    from ninja import Router

    from lianjian.accounts.models import User
    from lianjian.core.demo import DemoFigure

_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF)
_REPORT = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Router]:
    from lianjian.surveys.api import router

    return [router]


def _to_answer_card(user: User) -> CardValue | None:
    from lianjian.surveys.selectors import surveys_to_answer

    n = surveys_to_answer(user).count()
    if not n:
        return None
    return CardValue(n, url="/surveys/answer/", hint="截止前请填写", level="warn")


def _open_card(user: User) -> CardValue | None:
    from lianjian.core.rates import percent
    from lianjian.surveys.selectors import open_surveys

    rows = list(open_surveys(user).values_list("target_count", "submitted_count"))
    if not rows:
        return None
    targets = sum(t for t, _ in rows)
    answered = sum(s for _, s in rows)
    rate = percent(answered, targets)
    hint = f"回收率 {rate}%" if rate is not None else f"已收 {answered} 份"
    return CardValue(len(rows), url="/surveys/", hint=hint)


def _demo_figures() -> tuple[DemoFigure, ...]:
    from lianjian.surveys.demo import FIGURES

    return FIGURES


def _enqueue_tick() -> None:
    from lianjian.surveys.tasks import surveys_tick_task

    surveys_tick_task.enqueue()


REGISTRY = AppRegistry(
    label="surveys",
    order=470,
    permissions={
        "surveys.manage": _STAFF,
        "surveys.report": _REPORT,
        "surveys.answer": (Role.UNIT_ADMIN, Role.MEMBER),
    },
    permission_labels={
        "surveys.manage": "设计、发布、催办和结束调查问卷，据答卷提出需求",
        "surveys.report": "查看问卷回收情况与统计结果、导出答卷",
        "surveys.answer": "填写发给本单位或本人的调查问卷",
    },
    nav=(
        NavEntry("调查问卷", "surveys:list", "surveys.report", order=78),
        NavEntry("满意度测评", "surveys:satisfaction", "surveys.report", order=79),
        NavEntry("待填问卷", "surveys:inbox", "surveys.answer", order=65, surface="both"),
    ),
    cards=(
        HomeCard(
            "surveys.to_answer",
            "待填写的问卷",
            "surveys.answer",
            _to_answer_card,
            kind="todo",
            surface="both",
        ),
        HomeCard("surveys.open", "收集中的问卷", "surveys.report", _open_card),
    ),
    notification_kinds=(
        NotificationKind("surveys.new", "新的调查问卷"),
        NotificationKind("surveys.reminder", "问卷催办", channels=("sms",)),
    ),
    urls=(("surveys/", "lianjian.surveys.urls"),),
    api_routers=_api_routers,
    extensions={
        # closing past the deadline, reminders, the quarter's evaluations: once an hour
        "core.periodic": (Periodic("surveys_tick", 3600, _enqueue_tick),),
        "portal.demo_figures": _demo_figures(),
    },
)
