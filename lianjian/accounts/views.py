"""Login, logout, password change and TOTP pages."""

from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianjian.accounts import services
from lianjian.accounts.forms import LoginForm, OtpForm, PasswordChangeForm
from lianjian.accounts.passwords import password_expired
from lianjian.accounts.policy import session_verified
from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.accounts.services import normalize_username
from lianjian.core.audit import audit_record
from lianjian.core.input_guard import audit_refused_input
from lianjian.core.permissions import public, require_login
from lianjian.core.ratelimit import rate_limited

LOGIN_RATE = (30, 60)  # attempts per IP per minute, before axes' per-account lockout
OTP_RATE = (10, 300)


@public
@audit_refused_input("auth.login_failed")  # a NUL in the username is refused, still audited
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = LoginForm(request, request.POST or None)
    if request.method == "POST":
        limited = rate_limited(request, "login", limit=LOGIN_RATE[0], window=LOGIN_RATE[1])
        if limited:
            return limited
        if form.is_valid():
            login(request, form.user)  # cycles the session key (S6)
            request.session["started_at"] = int(time.time())
            audit_record("auth.login", request=request, user=form.user)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, require_https=request.is_secure()
            ):
                target = ""
            return redirect(target or "portal:home")
        if not getattr(request, "axes_locked_out", False):
            # the lockout itself is audited by lockout_response
            audit_record(
                "auth.login_failed",
                request=request,
                result="failure",
                username=normalize_username(request.POST.get("username", ""))[:150],
            )
    return render(
        request, "accounts/login.html", {"form": form, "expired": request.GET.get("expired")}
    )


def lockout_response(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Called by django-axes when username+IP is locked (S4); audited, 429 in Chinese."""
    audit_record(
        "auth.lockout",
        request=request,
        result="denied",
        username=normalize_username(str(request.POST.get("username", "")))[:150],
    )
    form = LoginForm(request)
    response = render(request, "accounts/login.html", {"form": form, "locked": True}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME * 3600))
    return response


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record("auth.logout", request=request)
    logout(request)  # flushes the session (S6)
    return redirect("accounts:login")


@require_login
@require_http_methods(["GET", "POST"])
def password_change_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(request.user, form.cleaned_data["new_password"], request=request)
        update_session_auth_hash(request, request.user)
        messages.success(request, "密码已修改")
        return redirect("portal:home")
    forced = request.user.must_change_password or password_expired(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


@require_login
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup_view(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR code, confirm with a first code.

    With a device already confirmed, only a session that passed it may enrol
    another: a stolen password alone must never get to bind a new device.
    """
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_device and not session_verified(request.user):
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="默认", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST":
        limited = rate_limited(request, "otp", limit=OTP_RATE[0], window=OTP_RATE[1])
        if limited:
            return limited
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record("auth.otp_enrol", request=request)
            return redirect("portal:home")
        form.add_error("token", "验证码不正确")
    qr = segno.make(device.config_url).svg_data_uri(scale=4)
    return render(request, "accounts/otp_setup.html", {"form": form, "qr": qr})


@require_login
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify_view(request: AuthenticatedRequest) -> HttpResponse:
    if session_verified(request.user):
        return redirect("portal:home")
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST":
        limited = rate_limited(request, "otp", limit=OTP_RATE[0], window=OTP_RATE[1])
        if limited:
            return limited
        if form.is_valid():
            for device in devices:
                # verify_token refuses a code already used (single-use, S5)
                if device.verify_token(form.cleaned_data["token"]):
                    otp_login(request, device)
                    audit_record("auth.otp_verify", request=request)
                    return redirect("portal:home")
            audit_record("auth.otp_failed", request=request, result="failure")
            form.add_error("token", "验证码不正确或已使用")
    return render(request, "accounts/otp_verify.html", {"form": form})
