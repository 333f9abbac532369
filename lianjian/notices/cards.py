"""The home card of notices: the unread ones addressed to the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from lianjian.core.registry import CardValue
from lianjian.notices.selectors import notices_for

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def unread_notices(user: User) -> CardValue:
    unread = notices_for(user, unread=True)
    n = unread.count()
    latest = unread.values_list("title", flat=True).first()
    hint = f"最新：{latest[:30]}" if latest else "暂无未读通知"
    return CardValue(n, f"{reverse('notices:list')}?unread=1", hint, "warn" if n else "normal")
