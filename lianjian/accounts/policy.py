"""The account checks every credential obeys (QUALITY.md S3, S5, S6, S27).

One function answers for a browser session (`SessionPolicyMiddleware`) and
for a bearer token (`services.token_authenticate`): an account that is
inactive, must change its initial or expired password, or — when the
setting enforces it — is staff without a second factor, works through
neither. The only difference is what "second factor" means: a session must
have passed TOTP (`user.is_verified()`); a token, which cannot type a code,
belongs to an account that has enrolled and confirmed a TOTP device.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.conf import settings

from lianjian.accounts.passwords import password_expired
from lianjian.core.permissions import is_staff_user

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@dataclass(frozen=True)
class Refusal:
    code: Literal["inactive", "password", "second_factor"]
    message: str


INACTIVE = Refusal("inactive", "该账户已停用")
PASSWORD = Refusal("password", "请先修改初始密码或已过期的密码")
SECOND_FACTOR = Refusal("second_factor", "请先完成双因素认证")


def account_refusal(user: User, *, second_factor: Callable[[], bool]) -> Refusal | None:
    """Why `user` may not work now, or None. `second_factor` is asked only when it matters."""
    if not user.is_active:
        return INACTIVE
    if user.must_change_password or password_expired(user):
        return PASSWORD
    if settings.OTP_REQUIRED_FOR_STAFF and is_staff_user(user) and not second_factor():
        return SECOND_FACTOR
    return None


def session_verified(user: User) -> bool:
    """The session form of the second factor: this session passed TOTP.

    `OTPMiddleware` attaches `is_verified` to the request's user; the model
    does not declare it.
    """
    return bool(user.is_verified())  # type: ignore[attr-defined]


def has_confirmed_device(user: User) -> bool:
    """The token form of the second factor: a confirmed TOTP device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())
