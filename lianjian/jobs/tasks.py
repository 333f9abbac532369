"""Background work for the job board: matching after a change, and the daily expiry."""

from __future__ import annotations

from django_tasks import task

from lianjian.jobs import matching, services
from lianjian.jobs.models import Posting, Resume


@task()
def match_posting_task(posting_id: int) -> int:
    """Suggest residents for a posting that just went live (never at request time)."""
    posting = Posting.objects.filter(pk=posting_id).first()
    return matching.match_posting(posting) if posting is not None else 0


@task()
def match_resume_task(resume_id: int) -> int:
    """Tokenize a changed resume and suggest live postings to its resident."""
    resume = Resume.objects.filter(pk=resume_id).first()
    return matching.match_resume(resume) if resume is not None else 0


@task()
def jobs_tick_task() -> int:
    """Hourly from `lianjian start` (the `core.periodic` extension in registry.py)."""
    return services.expire_postings()
