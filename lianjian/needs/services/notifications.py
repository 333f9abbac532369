"""Who is told about a need, and how: in-app for staff, SMS for the submitter."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lianjian.accounts.models import User
from lianjian.core.notifications import notify, notify_contact
from lianjian.core.registry import role_permissions
from lianjian.core.roles import Role
from lianjian.needs.models import (
    Department,
    Need,
)

logger = logging.getLogger("lianjian.needs")


def _dispatcher_users(need: Need) -> list[User]:
    roles = [r for r, perms in role_permissions().items() if "needs.dispatch" in perms]
    return list(
        User.objects.filter(
            is_active=True,
            grants__role__in=roles,
            grants__region_id__in=[r for r in (need.street_id, need.district_id) if r is not None],
        ).distinct()
    )


def _street_staff(need: Need) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, grants__role=Role.STREET_STAFF, grants__region_id=need.street_id or 0
        ).distinct()
    )


def _handlers(department_id: int | None) -> list[User]:
    if not department_id:
        return []
    key = Department.objects.filter(pk=department_id).values_list("key", flat=True).first()
    return list(
        User.objects.filter(
            is_active=True, grants__role=Role.DEPT_HANDLER, grants__department_key=key
        ).distinct()
    )


def notify_users(users: Iterable[User], subject: str, body: str, link: str = "") -> int:
    return notify(users, subject, body, link, kind="needs")


def _notify_submitter(need: Need, subject: str, body: str, kind: str = "needs.replied") -> None:
    """An SMS to a submitter who left a mobile (the worker sends it; kinds in registry.py)."""
    notify_contact(
        need.contact_phone, subject, body, kind=kind, params={"code": need.tracking_code}
    )


def _link(need: Need) -> str:
    return f"/needs/{need.pk}/"
