"""The user as the layers below accounts see it (ADR 0022).

`core` and `orgs` sit below `accounts` and may not import its `User`, yet
they check permissions, scope querysets and audit on behalf of one. `Actor`
names only what they read of it; `accounts.models.User` satisfies it, so apps
at or above accounts annotate with `User` and pass it down unchanged.
`ActorRequest` is the request of a core or orgs view behind the login; above
accounts, `accounts.requests.AuthenticatedRequest` narrows its user to `User`.
`Viewer` adds the anonymous user for the few reads that also serve a request
before login (the permission checks answer "no" for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from django.db.models import Manager
from django.http import HttpRequest

if TYPE_CHECKING:
    # a models module: importing it at run time would need the app registry ready
    from django.contrib.auth.models import AnonymousUser


class Actor(Protocol):
    """A signed-in account: what core and orgs read of `accounts.models.User`."""

    @property
    def pk(self) -> Any: ...
    @property
    def username(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def grants(self) -> Manager[Any]: ...


Viewer: TypeAlias = "Actor | AnonymousUser"


class ActorRequest(HttpRequest):
    """A request behind the login: `LoginRequiredMiddleware` let only a signed-in user in."""

    # `HttpRequest.user` is `User | AnonymousUser`; the protocol is not a nominal subtype
    user: Actor  # type: ignore[assignment]
