"""What alliances and joint meetings declare to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from lianjian.alliances.indicators import INDICATORS
from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role
from lianjian.needs.links import NeedLink

if TYPE_CHECKING:
    from lianjian.accounts.models import User

_REGION_STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Any]:
    from lianjian.alliances import api, api_meetings

    # the meeting flow first: `/alliances/{alliance_id}` of `api` would take its paths
    return [api_meetings.router, api.router]


def _not_met_card(user: User) -> CardValue | None:
    from lianjian.alliances import access, selectors

    if not access.bodies_visible_to(user).exists():
        return None
    count = selectors.bodies_not_met(user).count()
    return CardValue(
        count,
        reverse("alliances:body_list") + "?not_met=1",
        "本期（季度/月/半年/年）尚未召开",
        "warn" if count else "normal",
    )


def _missed_card(user: User) -> CardValue | None:
    from lianjian.alliances import selectors

    count = selectors.bodies_missed_last_period(user)
    if not count:
        return None
    return CardValue(count, reverse("alliances:cadence"), "上一周期未召开", "danger")


def _open_tasks_card(user: User) -> CardValue | None:
    from lianjian.alliances import selectors

    open_, overdue = selectors.open_tasks_count(user)
    if not open_:
        return None
    hint = f"其中逾期 {overdue} 项" if overdue else "均在时限内"
    return CardValue(
        open_,
        reverse("alliances:task_list") + "?status=open",
        hint,
        "danger" if overdue else "normal",
    )


def _waiting_proposals_card(user: User) -> CardValue | None:
    from lianjian.alliances import access

    count = access.proposals_visible_to(user, "alliances.manage").filter(status="submitted").count()
    if not count:
        return None
    return CardValue(count, reverse("alliances:proposal_list") + "?status=submitted", "待受理")


def _proposal_for_need(need: Any) -> str:
    """The proposal form, filled in from the need (the form checks the need's scope)."""
    return reverse("alliances:proposal_create") + f"?needs={need.pk}"


def _enqueue_alliances_tick() -> None:
    from lianjian.alliances.tasks import alliances_tick_task

    alliances_tick_task.enqueue()


def _alliance_tokens(user: User) -> list[str]:
    """For `notices.audiences`: "alliance:<id>" for each alliance the user's unit belongs to
    (a unit grant, or a Party-organization grant covering a member unit)."""
    from django.db.models import Q

    from lianjian.alliances.models import AllianceMember
    from lianjian.core.permissions import user_grants
    from lianjian.orgs.models import OrgUnitCoverage

    grants = user_grants(user)
    q = Q(unit_id__in={g.unit_id for g in grants if g.unit_id})
    for g in grants:
        if g.party_org_id:
            covered = OrgUnitCoverage.objects.filter(
                party_org__path__startswith=g.party_org.path, until__isnull=True
            ).values("unit_id")
            q |= Q(unit_id__in=covered)
    ids = (
        AllianceMember.objects.filter(q, left_on__isnull=True)
        .values_list("alliance_id", flat=True)
        .distinct()
    )
    return [f"alliance:{i}" for i in ids]


REGISTRY = AppRegistry(
    label="alliances",
    order=350,
    permissions={
        "alliances.view": (*_REGION_STAFF, Role.UNIT_ADMIN),
        # create alliances, bodies, meetings; agenda, attendance, votes, verification
        "alliances.manage": _REGION_STAFF,
        # file a proposal: a member unit's Party admin, or staff on a unit's behalf
        "alliances.propose": (*_REGION_STAFF, Role.UNIT_ADMIN),
        # a unit's own acts: QR check-in, its vote on a phone, its tasks' progress
        "alliances.act": (Role.UNIT_ADMIN,),
    },
    permission_labels={
        "alliances.view": "查看党建联盟与联席会议",
        "alliances.manage": "管理联盟、联席会议与议案",
        "alliances.propose": "提交建议议案",
        "alliances.act": "成员单位签到、表决与报告任务进展",
    },
    nav=(
        NavEntry("联盟与联席会议", "alliances:home", "alliances.view", order=45),
        NavEntry("我的联盟", "alliances:phone", "alliances.act", order=46, surface="phone"),
    ),
    cards=(
        HomeCard(
            "alliances.not_met",
            "本期未召开的联席会议",
            "alliances.manage",
            _not_met_card,
            order=140,
        ),
        HomeCard(
            "alliances.missed",
            "逾期未召开的联席会议",
            "alliances.manage",
            _missed_card,
            kind="todo",
            order=141,
        ),
        HomeCard(
            "alliances.tasks",
            "决议落实任务（未完成）",
            "alliances.view",
            _open_tasks_card,
            kind="todo",
            order=142,
            surface="both",
        ),
        HomeCard(
            "alliances.proposals",
            "待受理的建议议案",
            "alliances.manage",
            _waiting_proposals_card,
            kind="todo",
            order=143,
        ),
    ),
    notification_kinds=(
        NotificationKind("alliances", "联席会议与议案"),
        NotificationKind("alliances.tasks", "决议落实任务"),
        NotificationKind("alliances.cadence", "联席会议召开提醒"),
    ),
    urls=(("alliances/", "lianjian.alliances.urls"),),
    api_routers=_api_routers,
    extensions={
        # joint meetings attended, a figure of rating schemes (ADR 0018)
        "ratings.indicators": INDICATORS,
        "notices.audiences": [_alliance_tokens],
        # a need's page offers to put it before a joint meeting (seed 003: 三联三共)
        "needs.links": (
            NeedLink("alliances.proposal", "提交联席会议", "alliances.propose", _proposal_for_need),
        ),
        # the daily tick (overdue tasks, bodies that have not met, agreements ending),
        # queued by `lianjian start` beside the needs reminders; each step is idempotent
        "core.periodic": (Periodic("alliances_tick", 24 * 3600, _enqueue_alliances_tick),),
    },
)
