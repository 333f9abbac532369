"""Factories for job-board tests: a recruiter of a unit, postings, resumes, applications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.jobs import services
from lianjian.jobs.models import Application, Posting, Resume

POSTING = {
    "title": "仓储物流专员",
    "description": "负责仓库货物收发、盘点和叉车作业，适应倒班。",
    "category": "logistics",
    "openings": 3,
    "pay_min": 5000,
    "pay_max": 7000,
    "hours": "两班倒",
    "education": "high",
    "skills": "叉车 仓储 盘点",
    "contact_name": "王经理",
    "contact_phone": "13912345678",
    "urgent": True,
}
RESUME = {
    "name": "赵小六",
    "phone": "13800001111",
    "birth_year": 1990,
    "education": "college",
    "skills": "叉车 仓储管理",
    "experience": "在物流园做过三年仓库管理员，持叉车证。",
    "wanted_category": "logistics",
    "wanted_pay": 6000,
}


def recruiter(unit: Any, username: str = "recruiter") -> Any:
    """An enterprise's recruiter: a RECRUITER grant on `unit`."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    user = User(username=username, display_name=username, must_change_password=False)
    user.set_unusable_password()
    user.save()
    grant_add(user, Role.RECRUITER, unit=unit)
    return user


def posting_data(**changes: Any) -> dict[str, Any]:
    data = dict(POSTING, expires_on=timezone.localdate() + dt.timedelta(days=30))
    data.update(changes)
    return data


def make_posting(
    unit: Any, actor: Any, *, live: bool = True, reviewer: Any = None, **changes: Any
) -> Posting:
    posting = services.posting_save(actor=actor, unit=unit, data=posting_data(**changes))
    if live:
        services.posting_submit(posting, actor=actor)
        services.posting_review(posting, actor=reviewer, approve=True)
        posting.refresh_from_db()
    return posting


def make_resume(
    user: Any, region: Any, *, approved: bool = True, discoverable: bool = False, **changes: Any
) -> Resume:
    resume = services.resume_save(
        actor=user, region=region, data=dict(RESUME, **changes), user=user
    )
    if approved:
        resume = services.resume_review(resume, actor=None, approve=True)  # type: ignore[arg-type]  # no reviewer: the fixture's shortcut
    if discoverable:
        resume = services.resume_set_discoverable(resume, actor=user, discoverable=True)
    return resume


def make_application(resume: Resume, posting: Posting) -> Application:
    assert resume.user is not None  # a seeker's resume
    return services.apply(resume=resume, posting=posting, actor=resume.user)
