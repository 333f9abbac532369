"""Bearer tokens expire, die with a reset or a grant change, and obey the account checks
sessions obey (S27, issue 11 finding 8) — also when served from the shared cache."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianjian.accounts import services
from lianjian.accounts.models import ApiToken
from lianjian.core.models import AuditEvent
from lianjian.core.roles import Role

API = "/api/v1/units"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except Exception:
        return False
    return True


@pytest.fixture(params=["no cache", "redis"])
def cache_mode(request: Any, settings: Any) -> Iterator[str]:
    """Every rule below holds with the auth cache off and on (ADR 0004)."""
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("Redis is not reachable")
        settings.AUTH_CACHE_SECONDS = 60
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"test-token-policy-{os.getpid()}",
            }
        }
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def _bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def _warm(key: str) -> Client:
    """A client whose token has been used once (so the cache, when on, holds it)."""
    c = _bearer(key)
    assert c.get(API).status_code == 200
    return c


# ---------------------------------------------------------------- expiry


def test_createtoken_prints_the_expiry(personas: Any, settings: Any) -> None:
    out, err = StringIO(), StringIO()
    with time_machine.travel("2026-05-06 10:00 +0800", tick=False):
        call_command("createtoken", "street_staff", stdout=out, stderr=err)
    token = ApiToken.objects.get()
    assert out.getvalue().strip().startswith("lj_")  # the key alone, for scripts
    assert token.expires_at == dt.datetime(2026, 8, 4, 2, 0, tzinfo=dt.UTC)  # 90 days on
    assert "有效期至 2026-08-04 10:00" in err.getvalue()
    settings.API_TOKEN_DAYS = 30
    with pytest.raises(CommandError, match="API_TOKEN_DAYS"):
        call_command("createtoken", "street_staff", "--days", "31", stdout=out, stderr=err)
    call_command("createtoken", "street_staff", "--days", "7", stdout=out, stderr=StringIO())
    assert ApiToken.objects.count() == 2


def test_a_token_stops_at_its_expiry(personas: Any, cache_mode: str) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = services.token_create(personas.street_staff, "sync")
        c = _warm(key)
    with time_machine.travel(start + dt.timedelta(days=90) - dt.timedelta(seconds=5), tick=False):
        assert c.get(API).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=90, seconds=1), tick=False):
        response = c.get(API)
        assert response.status_code == 401 and response.json() == {"detail": "未登录或令牌无效"}


def test_the_expiry_follows_the_setting(personas: Any, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 7
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = services.token_create(personas.street_staff, "sync")
    with time_machine.travel(start + dt.timedelta(days=7, seconds=1), tick=False):
        assert _bearer(key).get(API).status_code == 401


# ---------------------------------------------------------------- revocation


def test_a_password_reset_kills_the_token_at_once(personas: Any, cache_mode: str) -> None:
    key = services.token_create(personas.street_staff, "sync")
    c = _warm(key)
    services.password_reset(personas.street_staff, personas.district_admin)
    assert c.get(API).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    event = AuditEvent.objects.get(action="account.password_reset")
    assert event.detail["tokens_revoked"] == 1


def test_a_grant_change_kills_the_token_at_once(personas: Any, tree: Any, cache_mode: str) -> None:
    key = services.token_create(personas.secretary_a1, "sync")
    c = _warm(key)
    services.grant_give(
        personas.security_admin,
        personas.secretary_a1,
        Role.COMMUNITY_SECRETARY,
        region=tree.community_a2,
    )
    assert c.get(API).status_code == 401
    key = services.token_create(personas.secretary_a1, "sync")
    c = _warm(key)
    services.grant_revoke(personas.security_admin, personas.secretary_a1.grants.first())
    assert c.get(API).status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


# ---------------------------------------------------------------- the account checks


def test_a_forced_password_change_blocks_the_token(
    personas: Any, tree: Any, cache_mode: str
) -> None:
    key = services.token_create(personas.street_staff, "sync")
    c = _warm(key)
    user = personas.street_staff
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = c.get(API)
    assert response.status_code == 403
    assert response.json() == {"detail": "请先修改初始密码或已过期的密码"}
    event = AuditEvent.objects.get(action="auth.token_refused")
    assert event.result == "denied" and event.detail["reason"] == "password"
    assert event.user_id_value == user.pk and key not in str(event.detail)
    # writes are refused the same way, and change nothing
    response = c.post(
        f"{API}/{tree.unit_a1.pk}/deactivate", data="{}", content_type="application/json"
    )
    assert response.status_code == 403
    tree.unit_a1.refresh_from_db()
    assert tree.unit_a1.is_active


def test_an_expired_password_blocks_the_token(personas: Any, cache_mode: str) -> None:
    user = personas.street_staff
    user.password_changed_at = timezone.now() - dt.timedelta(days=89)
    user.save(update_fields=["password_changed_at"])
    key = services.token_create(user, "sync")
    c = _warm(key)
    # 等保 preset: 90 days; the cached user is the same, only the clock moved
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        response = c.get(API)
        assert response.status_code == 403 and "过期" in response.json()["detail"]


def test_staff_tokens_need_an_enrolled_second_factor(
    personas: Any, settings: Any, cache_mode: str
) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    key = services.token_create(personas.street_staff, "sync")
    c = _bearer(key)
    response = c.get(API)
    assert response.status_code == 403 and response.json() == {"detail": "请先完成双因素认证"}
    device = TOTPDevice.objects.create(user=personas.street_staff, name="phone", confirmed=False)
    assert c.get(API).status_code == 403  # enrolled but not confirmed
    device.confirmed = True
    device.save(update_fields=["confirmed"])  # as the enrolment page confirms it
    assert c.get(API).status_code == 200
    # the security admin clears the lost phone: the token stops at once
    services.second_factor_reset(personas.street_staff, actor=personas.security_admin)
    assert c.get(API).status_code == 403


def test_members_tokens_need_no_second_factor(personas: Any, settings: Any) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    key = services.token_create(personas.member, "app")
    # the member reaches no units, but is authenticated: not 401, not the TOTP refusal
    response = _bearer(key).get("/api/v1/needs")
    assert response.json() != {"detail": "请先完成双因素认证"}
    assert response.status_code in (200, 403)


def test_one_rule_for_sessions_and_tokens(personas: Any, settings: Any) -> None:
    """The session middleware and the bearer check give the same answer, from one function."""
    settings.OTP_REQUIRED_FOR_STAFF = True
    key = services.token_create(personas.street_staff, "sync")
    session = Client()
    session.force_login(personas.street_staff)
    for client in (session, _bearer(key)):
        response = client.get(API)
        assert response.status_code == 403
        assert response.json() == {"detail": "请先完成双因素认证"}
