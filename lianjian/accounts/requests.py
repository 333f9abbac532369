"""The request type of a view behind a login.

`LoginRequiredMiddleware` refuses every anonymous request before a view runs,
except for views declared `@public`; those take a plain `HttpRequest`, every
other view an `AuthenticatedRequest`, whose user is a signed-in account (the
annotation healthchecks uses). It lives with the user model, so apps above
accounts use it; orgs, below, keeps `HttpRequest`.
"""

from __future__ import annotations

from django.http import HttpRequest

from lianjian.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
