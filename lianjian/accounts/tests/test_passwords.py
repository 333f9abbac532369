"""Password presets, history, expiry and one-time passwords (S2, S3)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import PasswordHistory, User
from lianjian.accounts.passwords import current_preset, password_expired
from lianjian.core.models import AuditEvent


def _errors(password: str, user: Any = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.django_db
def test_dengbao_preset_is_the_default() -> None:
    assert current_preset().expiry_days == 90
    assert _errors("Ab1!xyz")  # 7 characters
    assert any("三类" in e for e in _errors("abcdefgh12"))  # two classes
    assert _errors("Qiao-Lin-8") == []  # 10 characters, four classes
    assert _errors("qiaolin#88") == []  # three classes


@pytest.mark.django_db
@override_settings(PASSWORD_POLICY="asvs")
def test_asvs_preset_wants_length_not_classes_nor_rotation() -> None:
    preset = current_preset()
    assert (preset.min_length, preset.history, preset.expiry_days) == (12, 0, 0)
    assert any("12位" in e for e in _errors("Qiao-Lin-8"))
    assert _errors("correct horse battery") == []  # one class, long: fine under ASVS
    user = User.objects.create(username="asvsuser", must_change_password=False)
    with time_machine.travel("2020-01-01 00:00 +0000", tick=False):
        services.password_change(user, "correct horse battery")
    assert not password_expired(user)


@pytest.mark.django_db
def test_password_may_not_contain_username_name_phone_or_id(tree: Any) -> None:
    user = User.objects.create(username="zhangwei", display_name="Zhangwei Li")
    assert any("用户名" in e for e in _errors("Zhangwei-2026", user))
    member = tree.member_a1
    member.user = user
    member.save(update_fields=["user"])
    user = User.objects.get(pk=user.pk)
    id_tail = member.id_number[-6:]
    assert any("身份证号" in e for e in _errors(f"Pw!{id_tail}x", user))
    if member.mobile:
        assert any("手机号" in e for e in _errors(f"Pw!{member.mobile}", user))
    assert _errors("Neutral-Pass-77", user) == []


@pytest.mark.django_db
def test_history_of_five_refuses_reuse() -> None:
    user = User.objects.create(username="histuser", must_change_password=False)
    user.set_password("Start-Pass-00")
    user.save()
    passwords = [f"Rotate-Pass-{i:02d}" for i in range(1, 6)]
    for pw in passwords:
        services.password_change(user, pw)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # the current and the four before it are refused, and nothing is stored
    for pw in passwords:
        with pytest.raises(ValidationError):
            services.password_change(user, pw)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # the sixth-newest may be used again
    services.password_change(user, "Start-Pass-00")
    user.refresh_from_db()
    assert user.check_password("Start-Pass-00")


@pytest.mark.django_db
@override_settings(PASSWORD_POLICY="asvs")
def test_asvs_preset_keeps_no_history_check() -> None:
    user = User.objects.create(username="asvshist", must_change_password=False)
    services.password_change(user, "first long passphrase")
    services.password_change(user, "second long passphrase")
    services.password_change(user, "first long passphrase")  # allowed: ASVS has no history rule


@pytest.mark.django_db
def test_expired_password_forces_a_change(personas: Any, client_for: Any) -> None:
    user = personas.street_staff
    with time_machine.travel("2026-01-01 09:00 +0800", tick=False):
        services.password_change(user, "Fresh-Pass-2026")
    with time_machine.travel("2026-03-31 09:00 +0800", tick=False):  # day 89
        client = client_for(user)
        assert client.get("/orgs/units/").status_code == 200
    with time_machine.travel("2026-04-02 09:00 +0800", tick=False):  # day 91
        client = client_for(user)
        response = client.get("/orgs/units/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/"
        assert client.get("/api/v1/units").status_code == 403


@pytest.mark.django_db
@override_settings(PASSWORD_POLICY="asvs")
def test_asvs_never_expires(personas: Any, client_for: Any) -> None:
    user = personas.street_staff
    with time_machine.travel("2025-01-01 09:00 +0800", tick=False):
        services.password_change(user, "a long enough passphrase")
    with time_machine.travel("2026-04-02 09:00 +0800", tick=False):
        assert client_for(user).get("/orgs/units/").status_code == 200


@pytest.mark.django_db
def test_one_time_password_blocks_everything_until_changed(personas: Any) -> None:
    user, initial = services.user_create(
        username="NewStaff", display_name="新同事", actor=personas.district_admin
    )
    assert user.username == "newstaff"
    assert user.must_change_password
    services.grant_add(user, "street_staff", region=personas.street_staff.grants.get().region)
    _other, other_initial = services.user_create(username="another")
    assert initial != other_initial and len(initial) >= 12

    client = Client()
    response = client.post("/accounts/login/", {"username": "newstaff", "password": initial})
    assert response.status_code == 302
    for path in ("/", "/orgs/units/", "/orgs/members/", "/audit/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"] == "/accounts/password/"
    api = client.get("/api/v1/units")
    assert api.status_code == 403
    assert "密码" in api.json()["detail"]
    assert client.get("/accounts/password/").status_code == 200

    response = client.post(
        "/accounts/password/",
        {
            "old_password": initial,
            "new_password": "Mine-Now-2026",
            "new_password2": "Mine-Now-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/orgs/units/").status_code == 200
    # the one-time password is gone
    assert not user.check_password(initial)
    assert AuditEvent.objects.filter(action="account.password_change", user_id_value=user.pk)


@pytest.mark.django_db
def test_password_change_refuses_bad_input_and_changes_nothing(personas: Any) -> None:
    user = personas.secretary_a1
    client = Client()
    client.force_login(user)
    before = User.objects.get(pk=user.pk).password
    cases = [
        {
            "old_password": "wrong",
            "new_password": "Mine-Now-2026",
            "new_password2": "Mine-Now-2026",
        },
        {
            "old_password": PERSONA_PASSWORD,
            "new_password": "Mine-Now-2026",
            "new_password2": "Mine-Now-2027",
        },
        {"old_password": PERSONA_PASSWORD, "new_password": "short", "new_password2": "short"},
    ]
    for data in cases:
        response = client.post("/accounts/password/", data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert User.objects.get(pk=user.pk).password == before
    assert not AuditEvent.objects.filter(action="account.password_change").exists()


@pytest.mark.django_db
def test_password_reset_by_admin_is_one_time_audited_and_ends_sessions(personas: Any) -> None:
    target = personas.secretary_a1
    session = Client()
    session.force_login(target)
    new = services.password_reset(target, personas.district_admin)
    target.refresh_from_db()
    assert target.must_change_password
    assert target.check_password(new)
    assert not target.check_password(PERSONA_PASSWORD)
    assert session.get("/orgs/units/").status_code == 302  # old session gone
    assert session.get("/orgs/units/")["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.get(action="account.password_reset")
    assert event.user_id_value == personas.district_admin.pk
    assert event.object_id == str(target.pk)
    assert new not in str(event.detail)
