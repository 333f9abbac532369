"""Writes on accounts: creation with one-time passwords, password changes, grants, tokens."""

from __future__ import annotations

import hashlib
import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from lianjian.accounts.models import ApiToken, Grant, PasswordHistory, User
from lianjian.core.audit import audit_record


def random_password(length: int = 14) -> str:
    """A one-time password that satisfies both policy presets."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#$%^&*-_"]
    chars = [secrets.choice(p) for p in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@transaction.atomic
def user_create(
    *, username: str, display_name: str = "", actor: Any = None, password: str | None = None
) -> tuple[User, str]:
    """Create an account with a random one-time password (S3); returns both."""
    username = username.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError("用户名已存在")
    initial = password or random_password()
    user = User(username=username, display_name=display_name, must_change_password=True)
    user.set_password(initial)
    user.save()
    audit_record("account.create", user=actor, obj=user, detail={"username": username})
    return user, initial


@transaction.atomic
def password_change(user: User, new_password: str, *, request: Any = None) -> None:
    """Validate against the policy and history, store, and record the old hash."""
    validate_password(new_password, user)
    if user.password:
        PasswordHistory.objects.create(user=user, password_hash=user.password)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record("account.password_change", user=user, request=request, obj=user)


@transaction.atomic
def grant_add(user: User, role: str, *, actor: Any = None, **target: Any) -> Grant:
    grant = Grant.objects.create(user=user, role=role, **target)
    audit_record(
        "grant.add",
        user=actor,
        obj=grant,
        detail={"user": user.username, "role": role, "target": str(grant)},
    )
    return grant


@transaction.atomic
def grant_remove(grant: Grant, *, actor: Any = None) -> None:
    audit_record(
        "grant.remove",
        user=actor,
        obj=grant,
        detail={"user": grant.user.username, "role": grant.role},
    )
    grant.delete()


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(user: User, name: str = "integration", *, actor: Any = None) -> str:
    """Create a bearer token; the plain key is returned once and never stored."""
    key = "lj_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=_hash_token(key), prefix=key[:8])
    audit_record("token.create", user=actor, obj=user, detail={"name": name})
    return key


def token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def _destroy_sessions(user: User) -> None:
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


@transaction.atomic
def user_deactivate(user: User, *, actor: Any = None) -> None:
    """Deactivation destroys the user's sessions and revokes tokens (S6)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _destroy_sessions(user)
    audit_record("account.deactivate", user=actor, obj=user)
