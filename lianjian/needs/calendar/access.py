"""Whose calendar a user may edit or read (404 outside scope, never a 403 that leaks).

Editing (`needs.calendar`): a district grant covers the district and its streets,
a street grant that street only. Reading (`needs.view`): any region in the
user's scope, or the street of a department the user handles for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from lianjian.core.permissions import grants_with_perm
from lianjian.needs.access import department_ids_of
from lianjian.needs.models import Department
from lianjian.orgs.access import NOTHING, get_in_scope, regions_visible_to
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

EDIT_PERM = "needs.calendar"


def calendar_regions_editable_by(user: User) -> QuerySet[Region]:
    """Districts and streets whose own days `user` may set."""
    q = NOTHING
    for grant in grants_with_perm(user, EDIT_PERM):
        region = grant.region
        if region is None:
            continue
        if region.level == Region.Level.DISTRICT:
            q |= Q(pk=region.pk) | Q(level=Region.Level.STREET, district_ref_id=region.pk)
        elif region.level == Region.Level.STREET:
            q |= Q(pk=region.pk)
    return Region.objects.filter(q).order_by("path")


def get_calendar_region_for_user(user: User, pk: Any, request: HttpRequest | None = None) -> Region:
    return get_in_scope(calendar_regions_editable_by(user), pk, user=user, request=request)


def calendar_regions_visible_to(user: User) -> QuerySet[Region]:
    """Regions whose calendar `user` may read: their scope and their departments' streets."""
    q = Q(pk__in=regions_visible_to(user, "needs.view").values("pk"))
    dept_ids = department_ids_of(user)
    if dept_ids:
        q |= Q(pk__in=Department.objects.filter(pk__in=dept_ids).values("street_id"))
    return Region.objects.filter(q)


def default_calendar_region(user: User, perm: str = "needs.view") -> Region | None:
    """The region of the user's first grant (a department's street for handlers)."""
    for grant in grants_with_perm(user, perm):
        if grant.region is not None:
            return grant.region  # type: ignore[no-any-return]
    dept_ids = department_ids_of(user, perm)
    if dept_ids:
        dept = Department.objects.select_related("street").filter(pk__in=dept_ids).first()
        return dept.street if dept else None
    return None
