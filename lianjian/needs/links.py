"""The extension point `needs.links`: buttons on a need's page that other apps own.

A need is often taken further than its department's reply: a street puts it
before a joint meeting (alliances), a community turns it into a project. Those
apps sit above needs, which must not import them (the layers contract), so each
contributes a `NeedLink` through its registry:

    extensions={"needs.links": [NeedLink("alliances.proposal", "提交联席会议",
                                         "alliances.propose", url_of_need)]}

`url(need)` returns where the button leads (None hides it for that need); the
page shows the links of the permissions the user holds, in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lianjian.core.permissions import user_has_any_perm

if TYPE_CHECKING:
    from lianjian.accounts.models import User

POINT = "needs.links"


@dataclass(frozen=True)
class NeedLink:
    key: str
    label: str
    # shown to users holding it (alternatives joined by `|`)
    perm: str
    url: Callable[[Any], str | None]
    order: int = 500


def need_links(user: User, need: Any) -> list[tuple[str, str]]:
    """(label, url) of the links `user` may follow from `need`'s page."""
    from lianjian.core.registry import extension

    shown: list[tuple[str, str]] = []
    for link in sorted(extension(POINT), key=lambda item: item.order):
        if not user_has_any_perm(user, link.perm):
            continue
        url = link.url(need)
        if url:
            shown.append((link.label, url))
    return shown
