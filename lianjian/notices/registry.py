"""What notices (通知公告) declare to the platform (see `lianjian.core.registry`).

Extension point `notices.audiences`: callables `user -> iterable of tokens`
(e.g. an alliances app's "alliance:<id>" for the alliances a user belongs
to); a notice addressed to a token reaches those users wherever they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lianjian.core.registry import AppRegistry, CardValue, HomeCard, NavEntry, NotificationKind
from lianjian.core.roles import PHONE_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from lianjian.accounts.models import User

_PUBLISHERS = (Role.DISTRICT_ADMIN, Role.STREET_STAFF)
_READERS = tuple(sorted(STAFF_ROLES | PHONE_ROLES))


def _api_routers() -> list[Any]:
    from lianjian.notices.api import router

    return [router]


def _unread(user: User) -> CardValue | None:
    from lianjian.notices.cards import unread_notices

    return unread_notices(user)


REGISTRY = AppRegistry(
    label="notices",
    order=420,
    permissions={"notices.view": _READERS, "notices.publish": _PUBLISHERS},
    permission_labels={"notices.view": "查看通知公告", "notices.publish": "发布通知公告"},
    nav=(NavEntry("通知公告", "notices:list", "notices.view", order=15, surface="both"),),
    cards=(HomeCard("notices.unread", "未读通知公告", "notices.view", _unread, "todo", 5, "both"),),
    notification_kinds=(
        NotificationKind("notices.published", "新的通知公告", channels=("sms", "email")),
    ),
    urls=(("notices/", "lianjian.notices.urls"),),
    api_routers=_api_routers,
)
