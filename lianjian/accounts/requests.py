"""The request type of a view behind a login.

`LoginRequiredMiddleware` refuses every anonymous request before a view runs,
except for views declared `@public`; those take a plain `HttpRequest`, every
other view an `AuthenticatedRequest`, whose user is a signed-in account (the
annotation healthchecks uses). It lives with the user model, so apps at or
above accounts use it; core and orgs, below, use `core.actors.ActorRequest`,
whose user is the `Actor` protocol; this narrows it to `User` (ADR 0022).
"""

from __future__ import annotations

from lianjian.accounts.models import User
from lianjian.core.actors import ActorRequest


class AuthenticatedRequest(ActorRequest):
    user: User
