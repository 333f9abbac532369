"""What the job board (拉勾计划) declares to the platform (see `lianjian.core.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lianjian.core.heartbeat import Periodic
from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import Role

if TYPE_CHECKING:
    from lianjian.accounts.models import User

_REVIEWERS = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)


def _api_routers() -> list[Any]:
    from lianjian.jobs.api import router

    return [router]


def _review_card(user: User) -> CardValue | None:
    from lianjian.jobs.selectors import review_queue

    postings, resumes = review_queue(user)
    waiting = postings.count() + resumes.count()
    return CardValue(waiting, url="/jobs/review/", level="warn" if waiting else "normal")


def _new_applications_card(user: User) -> CardValue | None:
    from lianjian.jobs.access import applications_of_recruiter

    n = applications_of_recruiter(user).filter(stage="applied").count()
    return CardValue(n, url="/jobs/postings/", level="warn" if n else "normal")


def _suggested_card(user: User) -> CardValue | None:
    from lianjian.jobs.selectors import suggested_jobs

    return CardValue(suggested_jobs(user).count(), url="/jobs/", hint="适合您的岗位")


def _demo_figures() -> tuple[Any, ...]:
    from lianjian.jobs.demo import FIGURES

    return FIGURES


def _enqueue_jobs_tick() -> None:
    from lianjian.jobs.tasks import jobs_tick_task

    jobs_tick_task.enqueue()


REGISTRY = AppRegistry(
    label="jobs",
    order=450,
    permissions={
        "jobs.apply": (Role.MEMBER,),
        "jobs.post": (Role.RECRUITER,),
        "jobs.review": _REVIEWERS,
        "jobs.report": _REVIEWERS,
    },
    permission_labels={
        "jobs.apply": "求职（浏览岗位、维护简历、投递）",
        "jobs.post": "发布招聘岗位、处理求职申请",
        "jobs.review": "审核招聘岗位与求职简历",
        "jobs.report": "查看招聘统计",
    },
    nav=(
        NavEntry("找工作", "jobs:browse", "jobs.apply", order=60, surface="both"),
        NavEntry("我的岗位", "jobs:postings", "jobs.post", order=60, surface="both"),
        NavEntry(
            "招聘审核", "jobs:review", "jobs.review", order=75, active_prefixes=("/jobs/review/",)
        ),
        NavEntry("招聘统计", "jobs:report", "jobs.report", order=76),
    ),
    cards=(
        HomeCard("jobs.review", "待审核的岗位和简历", "jobs.review", _review_card, kind="todo"),
        HomeCard(
            "jobs.applications",
            "新的求职申请",
            "jobs.post",
            _new_applications_card,
            kind="todo",
            surface="phone",
        ),
        HomeCard("jobs.suggested", "推荐岗位", "jobs.apply", _suggested_card, surface="phone"),
    ),
    notification_kinds=(
        NotificationKind("jobs.posting_reviewed", "岗位审核结果", channels=("sms",)),
        NotificationKind("jobs.resume_reviewed", "简历审核结果", channels=("sms",)),
        NotificationKind("jobs.application_new", "收到求职申请"),
        NotificationKind(
            "jobs.application_stage", "求职进展", channels=("sms",), default_channels=("sms",)
        ),
    ),
    urls=(("jobs/", "lianjian.jobs.urls"),),
    api_routers=_api_routers,
    # postings past their closing date leave the board once an hour
    extensions={
        "core.periodic": (Periodic("jobs_tick", 3600, _enqueue_jobs_tick),),
        "portal.demo_figures": _demo_figures(),
    },
)
