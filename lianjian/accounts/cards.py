"""The security administrator's home cards (declared in `registry.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from lianjian.accounts.selectors import (
    PASSWORD_WARNING_DAYS,
    password_expiring_q,
    users_for_admin,
)
from lianjian.core.registry import CardValue

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def locked_accounts(user: User) -> CardValue:
    """Accounts in the admin's reach under a login lockout now."""
    n = users_for_admin(user, locked="1").order_by().count()
    url = f"{reverse('accounts:user_list')}?locked=1"
    return CardValue(n, url, "连续登录失败被锁定，可在此解锁", "warn" if n else "normal")


def expiring_passwords(user: User) -> CardValue | None:
    """Accounts whose password must be changed within two weeks (None: no rotation)."""
    if password_expiring_q() is None:
        return None
    n = users_for_admin(user, expiring="1").order_by().count()
    url = f"{reverse('accounts:user_list')}?expiring=1"
    hint = f"{PASSWORD_WARNING_DAYS} 天内到期或已过期"
    return CardValue(n, url, hint, "warn" if n else "normal")
