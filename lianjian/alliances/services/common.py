"""What every alliances service shares: the error, text checks, who to notify."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from lianjian.accounts.models import User
from lianjian.core.notifications import notify
from lianjian.core.registry import role_permissions
from lianjian.core.roles import Role
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Unit

EARLIEST = dt.date(2000, 1, 1)


class AllianceError(ValueError):
    """A refused write: a Chinese message and the field it concerns; nothing was written."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # 409 when the request was fine but the state forbids it (already voted, wrong status)
        self.status = status


def text(value: Any, field: str, label: str, max_len: int, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise AllianceError(f"请填写{label}", field)
    if len(out) > max_len:
        raise AllianceError(f"{label}不能超过 {max_len} 字", field)
    if "\x00" in out:
        raise AllianceError(f"{label}含有无效字符", field)
    return out


def date(value: Any, field: str, label: str, latest: dt.date | None = None) -> dt.date:
    if not isinstance(value, dt.date):
        raise AllianceError(f"{label}格式应为 YYYY-MM-DD", field)
    if value < EARLIEST:
        raise AllianceError(f"{label}不能早于 2000 年", field)
    if latest is not None and value > latest:
        raise AllianceError(f"{label}不能晚于 {latest:%Y-%m-%d}", field)
    return value


def choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise AllianceError(f"{label}无效", field)
    return str(value)


def token() -> str:
    return secrets.token_hex(16)


def actor_or_none(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


# ---------------------------------------------------------------- recipients


def unit_admins(unit_ids: Iterable[int]) -> list[User]:
    """Unit Party admins acting for any of `unit_ids` (a unit grant or a covering org)."""
    ids = [i for i in unit_ids if i]
    if not ids:
        return []
    orgs = PartyOrg.objects.filter(
        pk__in=OrgUnitCoverage.objects.filter(unit_id__in=ids, until__isnull=True).values(
            "party_org_id"
        )
    ).values_list("path", flat=True)
    q = Q(grants__unit_id__in=ids)
    for path in orgs:
        # a grant on the covering organization or on any organization above it
        prefixes = [path[:n] for n in range(PartyOrg.steplen, len(path) + 1, PartyOrg.steplen)]
        q |= Q(grants__party_org__path__in=prefixes)
    return list(User.objects.filter(q, is_active=True, grants__role=Role.UNIT_ADMIN).distinct())


def region_staff(region_ids: Iterable[int | None], perm: str = "alliances.manage") -> list[User]:
    """Staff holding `perm` by a grant on one of `region_ids` (a body's region, its street)."""
    ids = [i for i in region_ids if i]
    roles = [r for r, perms in role_permissions().items() if perm in perms]
    if not ids:
        return []
    return list(
        User.objects.filter(
            is_active=True, grants__role__in=roles, grants__region_id__in=ids
        ).distinct()
    )


def body_staff(body: Any) -> list[User]:
    """Who runs a body: staff granted on its own region, or on its street when it has one."""
    return region_staff([body.region_id, body.street_id])


def notify_users(users: Iterable[Any], subject: str, body: str = "", link: str = "") -> int:
    return notify(users, subject, body, link, kind="alliances")


def notify_task(users: Iterable[Any], subject: str, body: str = "", link: str = "") -> int:
    return notify(users, subject, body, link, kind="alliances.tasks")


def active_unit(unit: Unit, field: str = "unit") -> Unit:
    if not unit.is_active:
        raise AllianceError("该单位已注销", field)
    return unit
