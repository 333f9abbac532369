"""Who sees which postings, resumes and applications (the scope chokepoint for jobs).

Staff see what lies in their region grants (`orgs.access.scope_q`); a
recruiter sees the postings and applications of the units their grants name
and nothing else; a resident sees live postings and their own resume and
applications. Every detail fetch goes through `orgs.access.get_in_scope`,
so anything outside answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianjian.core.permissions import grants_with_perm
from lianjian.jobs.models import Application, Posting, Resume
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def recruiter_unit_ids(user: User) -> list[int]:
    """The enterprises a recruiter posts for: the units named by their `jobs.post` grants."""
    return [g.unit_id for g in grants_with_perm(user, "jobs.post") if g.unit_id]


def recruiter_unit(user: User) -> Unit | None:
    """The enterprise a recruiter posts for (the first, if a grant names several)."""
    ids = recruiter_unit_ids(user)
    return Unit.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


def live_q() -> Q:
    return Q(status=Posting.Status.APPROVED, expires_on__gte=timezone.localdate())


def postings_live() -> QuerySet[Posting]:
    """What residents may browse: approved and not past the closing date."""
    return Posting.objects.filter(live_q())


def postings_of_recruiter(user: User) -> QuerySet[Posting]:
    ids = recruiter_unit_ids(user)
    return Posting.objects.filter(unit_id__in=ids) if ids else Posting.objects.none()


def postings_for_staff(user: User, perm: str = "jobs.review") -> QuerySet[Posting]:
    return Posting.objects.filter(scope_q(user, perm))


def resumes_for_staff(user: User, perm: str = "jobs.review") -> QuerySet[Resume]:
    return Resume.objects.filter(scope_q(user, perm))


def applications_for_staff(user: User, perm: str = "jobs.report") -> QuerySet[Application]:
    return Application.objects.filter(scope_q(user, perm))


def applications_of_recruiter(user: User) -> QuerySet[Application]:
    ids = recruiter_unit_ids(user)
    return Application.objects.filter(unit_id__in=ids) if ids else Application.objects.none()


def applications_of_resident(user: User) -> QuerySet[Application]:
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(resume__user=user)


def resume_of(user: User) -> Resume | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Resume.objects.filter(user=user).first()


def resumes_findable_by(user: User) -> QuerySet[Resume]:
    """Resumes a recruiter may see without an application: approved and opted in, nothing else."""
    if not recruiter_unit_ids(user):
        return Resume.objects.none()
    return Resume.objects.filter(status=Resume.Status.APPROVED, discoverable=True)


def resident_region(user: User) -> Any:
    """The community a resident's `jobs.apply` grant names: where their resume is located."""
    for grant in grants_with_perm(user, "jobs.apply"):
        if grant.region_id:
            return grant.region
    return None
