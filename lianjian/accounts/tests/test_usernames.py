"""Usernames: one folded form (NFKC) everywhere, and no look-alikes at creation (S1, S26;
issue 11 finding 12), and real names kept out of passwords (S2)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import ApiToken, User
from lianjian.accounts.usernames import normalize_username, username_problem
from lianjian.core.models import AuditEvent

FULL_WIDTH = "ｓｔｒｅｅｔ＿ｓｔａｆｆ"  # street_staff, typed with a Chinese IME in full width


def test_folding() -> None:
    assert normalize_username(FULL_WIDTH) == "street_staff"
    assert normalize_username("  ＡＤＭＩＮ１ ") == "admin1"
    assert normalize_username("Ｗａｎｇ．Ｆａｎｇ＠ｘ") == "wang.fang@x"


@pytest.mark.parametrize(
    "name",
    [
        "аdmin",  # Cyrillic а
        "αdmin",  # Greek alpha
        "张san",  # Latin and Han mixed
        "ad\u200bmin",  # zero-width space
        "admin\u0301",  # combining accent
        "wang fang",  # space
        "café",
        "管理员！",  # full-width "!" folds to "!", outside the set
        "x" * 151,
        "",
    ],
)
def test_confusable_or_unsafe_names_are_refused(name: str) -> None:
    assert username_problem(normalize_username(name)) is not None


@pytest.mark.parametrize(
    "name", ["wangfang", "wang.fang@district.gov.cn", "张三", "张三2", "a-1_b"]
)
def test_safe_names_pass(name: str) -> None:
    assert username_problem(normalize_username(name)) is None


@pytest.mark.django_db
def test_a_full_width_twin_cannot_be_created(tree: Any, personas: Any, client_for: Any) -> None:
    before = User.objects.count()
    response = client_for(personas.district_admin).post(
        "/accounts/users/new/", {"username": FULL_WIDTH, "home_region": tree.street_a.pk}
    )
    assert response.status_code == 200 and "已存在" in str(response.context["form"].errors)
    with pytest.raises(services.AccountError):
        services.user_create(username="ｏｕｔｓｉｄｅｒ", home_region=tree.street_a)
    with pytest.raises(services.AccountError):
        services.user_create(username="оutsider", home_region=tree.street_a)  # Cyrillic о
    assert User.objects.count() == before
    user, _ = services.user_create(username="Ｚｈａｏ．Ｌｅｉ", home_region=tree.street_a)
    assert user.username == "zhao.lei"


@pytest.mark.django_db
def test_login_folds_the_username_too(personas: Any) -> None:
    response = Client().post(
        "/accounts/login/", {"username": FULL_WIDTH, "password": PERSONA_PASSWORD}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert event.user_id_value == personas.street_staff.pk


@pytest.mark.django_db
def test_lockout_counts_the_full_width_twin_as_the_same_name(personas: Any) -> None:
    for name in ("street_staff", FULL_WIDTH, "STREET_STAFF", FULL_WIDTH, "street_staff"):
        Client().post("/accounts/login/", {"username": name, "password": "Wrong-Pass-1"})
    response = Client().post(
        "/accounts/login/", {"username": "street_staff", "password": PERSONA_PASSWORD}
    )
    assert response.status_code == 429
    failed = set(
        AuditEvent.objects.filter(action="auth.login_failed").values_list("username", flat=True)
    )
    assert failed == {"street_staff"}


@pytest.mark.django_db
def test_commands_find_the_account_by_its_folded_name(personas: Any) -> None:
    call_command("createtoken", FULL_WIDTH, stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get().user == personas.street_staff


# ---------------------------------------------------------------- real names in passwords


def _errors(password: str, user: Any) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.django_db
def test_a_two_character_chinese_name_is_checked(tree: Any) -> None:
    """The old rule ignored names under three characters: every 张伟 slipped through."""
    user = User.objects.create(username="u1001", display_name="张伟")
    for password in ("Pass-张伟-2026", "Zhangwei-2026!", "zhangWEI#2026"):
        assert any("姓名" in e for e in _errors(password, user)), password
    assert _errors("Qiao-Lin-8", user) == []


@pytest.mark.django_db
def test_each_reading_of_the_surname_is_checked(tree: Any) -> None:
    user = User.objects.create(username="u1002", display_name="曾小明")
    for password in ("Zengxiaoming-1", "Cengxiaoming-1"):
        assert any("姓名" in e for e in _errors(password, user)), password


@pytest.mark.django_db
def test_the_linked_members_name_is_checked(tree: Any) -> None:
    """An account linked to a Party member: the member's registered name counts too."""
    user = User.objects.create(username="u1003", display_name="")
    member = tree.member_a1  # 陈一
    member.user = user
    member.save(update_fields=["user"])
    user = User.objects.get(pk=user.pk)
    assert any("姓名" in e for e in _errors("Chenyi@2026x", user))
    assert any("姓名" in e for e in _errors("Pw陈一-2026x", user))
    assert _errors("Qiao-Lin-8", user) == []
    # the same policy applies when the user changes it
    with pytest.raises(ValidationError):
        services.password_change(user, "Chenyi@2026x")
