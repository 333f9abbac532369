"""Login, lockout, logout, usernames and deactivation (S1, S4, S6, S22)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import ApiToken, User
from lianjian.core.models import AuditEvent

LOGIN = "/accounts/login/"


def _make_user(username: str = "wangfang", password: str = PERSONA_PASSWORD) -> User:
    user = User(username=username, display_name="王芳", must_change_password=False)
    user.set_password(password)
    user.save()
    return user


def _post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_get_the_same_message() -> None:
    _make_user()
    unknown = _post_login(Client(), "nobody", "whatever-1A!")
    wrong = _post_login(Client(), "wangfang", "wrong-Pass-1!")
    assert unknown.status_code == wrong.status_code == 200
    assert "用户名或密码错误" in unknown.content.decode()
    assert unknown.context["form"].errors == wrong.context["form"].errors
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == 2
    assert set(failed.values_list("username", flat=True)) == {"nobody", "wangfang"}
    assert set(failed.values_list("result", flat=True)) == {"failure"}


@pytest.mark.django_db
def test_login_rotates_session_key_and_is_audited() -> None:
    user = _make_user()
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    response = _post_login(client, "wangfang", PERSONA_PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.user_id_value, event.source_ip, event.result) == (user.pk, "10.0.0.1", "success")


@pytest.mark.django_db
def test_login_redirect_refuses_foreign_next() -> None:
    _make_user()
    response = Client().post(
        LOGIN + "?next=https://evil.example/",
        {"username": "wangfang", "password": PERSONA_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


@pytest.mark.django_db
def test_usernames_are_unique_case_insensitively_and_login_ignores_case() -> None:
    User.objects.create(username="Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="alice")
    with pytest.raises(services.AccountError):
        services.user_create(username="ALICE")
    assert User.objects.filter(username__iexact="alice").count() == 1

    user = User.objects.get(username="Alice")
    user.set_password(PERSONA_PASSWORD)
    user.must_change_password = False
    user.save()
    for typed in ("alice", "ALICE", "Alice"):
        client = Client()
        assert _post_login(client, typed, PERSONA_PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_lockout_after_five_failures_per_username_and_ip() -> None:
    _make_user()
    client = Client()
    for _ in range(4):
        assert _post_login(client, "wangfang", "wrong-Pass-1!").status_code == 200
    fifth = _post_login(client, "WangFang", "wrong-Pass-1!")  # case does not dodge the count
    assert fifth.status_code == 429
    assert "已锁定30分钟" in fifth.content.decode()
    assert fifth["Retry-After"] == "1800"
    # even the right password is refused while locked, from this IP
    locked = _post_login(Client(), "wangfang", PERSONA_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in Client().session
    assert AuditEvent.objects.filter(action="auth.lockout", result="denied").count() >= 2
    # the lock is per username+IP: the same account from another address still logs in
    other_ip = Client()
    assert _post_login(other_ip, "wangfang", PERSONA_PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_lockout_expires_after_thirty_minutes() -> None:
    import time_machine

    _make_user()
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        for _ in range(5):
            _post_login(Client(), "wangfang", "wrong-Pass-1!")
        assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 429
    with time_machine.travel("2026-03-02 09:31 +0800", tick=False):
        assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_attempts_during_lockout_extend_it() -> None:
    """A client that keeps guessing stays locked: each try restarts the 30 minutes."""
    import time_machine

    _make_user()
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        for _ in range(5):
            _post_login(Client(), "wangfang", "wrong-Pass-1!")
    with time_machine.travel("2026-03-02 09:29 +0800", tick=False):
        assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 429
    with time_machine.travel("2026-03-02 09:31 +0800", tick=False):
        assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 429
    with time_machine.travel("2026-03-02 10:02 +0800", tick=False):
        assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_login_rate_limit_answers_429_with_retry_after() -> None:
    from lianjian.accounts.views import LOGIN_RATE

    client = Client()
    # the window is fixed: a run straddling its end (a slow, loaded machine) would
    # start counting again, so the clock stands still inside one window
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        # distinct usernames, so the per-account lockout is not what stops us
        for i in range(LOGIN_RATE[0]):
            assert _post_login(client, f"probe{i}", "x").status_code == 200
        response = _post_login(client, "probe-last", "x")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == LOGIN_RATE[1] - 5
    assert "请求过于频繁" in response.content.decode()


@pytest.mark.django_db
def test_logout_flushes_session_and_is_audited() -> None:
    user = _make_user()
    client = Client()
    _post_login(client, "wangfang", PERSONA_PASSWORD)
    key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="auth.logout", user_id_value=user.pk).exists()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_logout_refuses_get() -> None:
    user = _make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.django_db
def test_deactivation_destroys_sessions_and_tokens(personas: Any) -> None:
    user = _make_user()
    other = _make_user("lisi")
    client, bystander = Client(), Client()
    client.force_login(user)
    bystander.force_login(other)
    key = services.token_create(user, "sync")
    assert services.token_user(key) == user

    services.user_deactivate(user, actor=personas.district_admin)

    user.refresh_from_db()
    assert user.is_active is False
    assert services.token_user(key) is None
    assert ApiToken.objects.get(user=user).revoked_at is not None
    assert client.get("/").status_code == 302  # back to the login page
    assert Session.objects.count() == 1  # the bystander's session survives
    assert bystander.session.get("_auth_user_id") == str(other.pk)
    event = AuditEvent.objects.get(action="account.deactivate")
    assert event.user_id_value == personas.district_admin.pk
    assert event.detail == {"tokens_revoked": 1, "sessions_ended": 1}
    # and a deactivated account cannot log in again
    assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 200


@pytest.mark.django_db
def test_unlock_clears_the_lockout_and_is_audited(personas: Any) -> None:
    _make_user("WangFang")  # a mixed-case name: axes counts it lower-cased
    for _ in range(5):
        _post_login(Client(), "wangfang", "wrong-Pass-1!")
    assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 429
    cleared = services.user_unlock(
        User.objects.get(username="WangFang"), actor=personas.security_admin
    )
    assert cleared == 1
    assert AuditEvent.objects.filter(action="account.unlock").count() == 1
    assert _post_login(Client(), "wangfang", PERSONA_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lockout_uses_the_forwarded_client_behind_the_proxy(settings: Any) -> None:
    """Behind nginx every request comes from the proxy; lockouts must not hit everyone."""
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = ["10.0.0.254"]  # nginx's address
    _make_user()
    for _ in range(5):
        Client().post(
            LOGIN,
            {"username": "wangfang", "password": "wrong-Pass-1!"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    elsewhere = Client().post(
        LOGIN,
        {"username": "wangfang", "password": PERSONA_PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert elsewhere.status_code == 302
    event = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert event is not None and event.source_ip == "198.51.100.7"
