"""Session policy (S3, S5, S6): idle and absolute timeouts, forced password
change, expiry and TOTP for staff. Runs after authentication."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from lianjian.accounts.policy import account_refusal, session_verified

_TOUCH_SECONDS = 60
_EXEMPT_PREFIXES = ("/static/", "/accounts/logout", "/accounts/password", "/accounts/otp")


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and hasattr(request, "session") and request.session.session_key:
            now = int(time.time())
            started = request.session.setdefault("started_at", now)
            last = request.session.get("last_seen", now)
            if (
                now - last > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "会话已过期，请重新登录"}, status=401)
                return redirect(reverse("accounts:login") + "?expired=1")
            if now - last >= _TOUCH_SECONDS or "last_seen" not in request.session:
                # a session write per minute, not per request
                request.session["last_seen"] = now
            blocked = self._blocked_until(request)
            if blocked:
                return blocked
        return self.get_response(request)

    def _blocked_until(self, request: HttpRequest) -> HttpResponse | None:
        """Nothing opens until the password is changed and, for staff, TOTP is verified.

        The rule is `policy.account_refusal`, the same one bearer tokens obey.
        """
        if request.path.startswith(_EXEMPT_PREFIXES):
            return None
        user = request.user
        if not user.is_authenticated:  # the caller checked; this tells the type checker
            return None
        refusal = account_refusal(user, second_factor=lambda: session_verified(user))
        if refusal is None:
            return None
        if refusal.code == "inactive":
            logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": refusal.message}, status=403)
        if refusal.code == "inactive":
            return redirect("accounts:login")
        if refusal.code == "second_factor":
            return redirect("accounts:otp_verify")
        return redirect("accounts:password_change")
