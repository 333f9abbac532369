"""Bearer tokens: `lianjian createtoken`, authentication, revocation."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from lianjian.accounts.models import ApiToken
from lianjian.core.models import AuditEvent
from lianjian.orgs.models import Unit

API = "/api/v1"


def create_token(username: str, *args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("createtoken", username, *args, stdout=out, stderr=err)
    assert "只显示这一次" in err.getvalue()
    return out.getvalue().strip()


def bearer(key: str) -> Client:
    # CSRF enforced as in a browser: a token request must not need it
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})


def test_createtoken_prints_key_once_and_stores_only_hash(personas):
    key = create_token("street_staff", "--name", "台账同步")
    token = ApiToken.objects.get()
    assert token.user == personas.street_staff and token.name == "台账同步"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in token.key_hash and token.prefix == key[:8]
    assert AuditEvent.objects.filter(action="token.create").count() == 1


def test_createtoken_username_is_case_insensitive(personas):
    create_token("Street_Staff")
    assert ApiToken.objects.get().user == personas.street_staff


def test_createtoken_refuses_unknown_and_inactive_users(personas):
    with pytest.raises(CommandError, match="不存在"):
        call_command("createtoken", "nobody", stdout=StringIO())
    personas.outsider.is_active = False
    personas.outsider.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="已停用"):
        call_command("createtoken", "outsider", stdout=StringIO())
    with pytest.raises(CommandError, match="用途"):
        call_command("createtoken", "street_staff", "--name", "  ", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_token_reads_within_scope(personas, tree):
    c = bearer(create_token("secretary_a1"))
    resp = c.get(f"{API}/units")
    assert resp.status_code == 200
    assert [u["id"] for u in resp.json()["items"]] == [tree.unit_a1.pk]
    assert c.get(f"{API}/units/{tree.unit_a2.pk}").status_code == 404
    assert ApiToken.objects.get().last_used_at is not None


def test_token_writes_without_csrf(personas, tree):
    c = bearer(create_token("street_staff"))
    resp = c.patch(
        f"{API}/units/{tree.unit_a1.pk}",
        data=json.dumps({"address": "令牌写入"}),
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert Unit.objects.get(pk=tree.unit_a1.pk).address == "令牌写入"
    event = AuditEvent.objects.filter(action="unit.update").latest("seq")
    assert event.username == "street_staff"


def test_token_role_without_permission_gets_403(personas, tree):
    c = bearer(create_token("dept_handler"))
    resp = c.get(f"{API}/members")
    assert resp.status_code == 403 and resp.json() == {"detail": "您没有执行此操作的权限"}


@pytest.mark.parametrize("case", ["unknown", "revoked", "user_deactivated", "malformed"])
def test_bad_tokens_get_401_and_change_nothing(case, personas, tree):
    key = create_token("street_staff")
    if case == "unknown":
        key = "lj_" + "x" * 43
    elif case == "revoked":
        ApiToken.objects.update(revoked_at=timezone.now())
    elif case == "user_deactivated":
        personas.street_staff.is_active = False
        personas.street_staff.save(update_fields=["is_active"])
    c = bearer(key) if case != "malformed" else Client(headers={"Authorization": f"Token {key}"})
    assert c.get(f"{API}/units").status_code == 401
    resp = c.post(
        f"{API}/units/{tree.unit_a1.pk}/deactivate", data="{}", content_type="application/json"
    )
    assert resp.status_code == 401
    assert resp.json() == {"detail": "未登录或令牌无效"}
    assert Unit.objects.get(pk=tree.unit_a1.pk).is_active
