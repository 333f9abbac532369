"""Writes on accounts: creation with one-time passwords, password changes and
resets, grants, tokens, deactivation and lockout release.

Every write here is audited inside its own transaction (S11, S12).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from lianjian.accounts import auth_cache
from lianjian.accounts.models import ApiToken, Grant, PasswordHistory, User
from lianjian.core.audit import audit_record
from lianjian.core.permissions import user_grants
from lianjian.core.roles import Role


class AccountError(ValueError):
    """Bad input for an account write; `field` names the offending form field when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalize_username(username: str) -> str:
    return username.strip().lower()


def normalized_login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """django-axes hook: count failures for `Alice` and `alice` together (S1, S4)."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "") if request is not None else ""
    return normalize_username(str(raw))[:150]


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
    *,
    username: str,
    display_name: str = "",
    actor: Any = None,
    home_region: Any = None,
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create an account with a random one-time password (S3); returns both.

    The password is shown to the creating administrator once and never stored
    in clear; the first login must change it.
    """
    username = normalize_username(username)
    if not username:
        raise AccountError("请填写用户名", "username")
    if len(username) > 150 or not all(c.isalnum() or c in "._-@" for c in username):
        raise AccountError("用户名只能包含字母、数字和 . _ - @，且不超过150个字符", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("用户名已存在（不区分大小写）", "username")
    initial = random_password()
    user = User(
        username=username,
        display_name=display_name.strip()[:50],
        must_change_password=True,
        home_region=home_region,
    )
    user.set_password(initial)
    user.save()
    audit_record(
        "account.create",
        user=actor,
        request=request,
        obj=user,
        detail={"username": username, "home_region": str(home_region or "")},
    )
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
def password_reset(user: User, actor: Any, *, request: HttpRequest | None = None) -> str:
    """An administrator's reset: a new random one-time password, sessions ended (S3)."""
    if not user.is_active:
        raise AccountError("该账户已停用，不能重置密码")
    initial = random_password()
    if user.password:
        PasswordHistory.objects.create(user=user, password_hash=user.password)
    user.set_password(initial)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _destroy_sessions(user)
    audit_record("account.password_reset", user=actor, request=request, obj=user)
    return initial


def _check_target(role: str, target: dict[str, Any]) -> None:
    if role not in Role.values:
        raise AccountError("未知的角色", "role")
    given = [k for k in ("region", "party_org", "unit", "department_key") if target.get(k)]
    if len(given) != 1:
        raise AccountError("请选择且只选择一个授权范围（区域、党组织、单位或职能部门）")


@transaction.atomic
def grant_add(
    user: User,
    role: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    **target: Any,
) -> Grant:
    """Give `user` a role on one subtree; role changes are audit events (S11)."""
    _check_target(role, target)
    if not user.is_active:
        raise AccountError("该账户已停用，不能授权")
    if Grant.objects.filter(user=user, role=role, **target).exists():
        raise AccountError("该用户已拥有此授权")
    grant = Grant.objects.create(user=user, role=role, **target)
    audit_record(
        "grant.add",
        user=actor,
        request=request,
        obj=grant,
        detail={"user": user.username, "role": role, "target": str(grant)},
    )
    return grant


@transaction.atomic
def grant_remove(grant: Grant, *, actor: Any = None, request: HttpRequest | None = None) -> None:
    audit_record(
        "grant.remove",
        user=actor,
        request=request,
        obj=grant,
        detail={"user": grant.user.username, "role": grant.role, "target": str(grant)},
    )
    grant.delete()


@transaction.atomic
def grant_give(
    actor: Any,
    user: User,
    role: str,
    *,
    request: HttpRequest | None = None,
    **target: Any,
) -> Grant:
    """A security administrator's grant: only inside the actor's own subtrees, never to self (S10)."""
    from lianjian.accounts.selectors import actor_covers_district, admin_regions

    perm = "accounts.manage_grants"
    _check_target(role, target)
    if getattr(actor, "pk", None) == user.pk:
        raise AccountError("不能给自己授权（职责分离）")
    regions = admin_regions(actor, perm)
    if target.get("region") is not None:
        inside = regions.filter(pk=target["region"].pk).exists()
    elif target.get("party_org") is not None:
        inside = regions.filter(pk=target["party_org"].region_id).exists()
    elif target.get("unit") is not None:
        inside = regions.filter(pk=target["unit"].region_id).exists()
    else:
        inside = actor_covers_district(actor, perm)
    if not inside:
        raise AccountError("只能在您自己的管理范围内授权")
    return grant_add(user, role, actor=actor, request=request, **target)


@transaction.atomic
def grant_revoke(actor: Any, grant: Grant, *, request: HttpRequest | None = None) -> None:
    """Revoke a grant whose target lies inside the actor's subtrees, never the actor's own."""
    from lianjian.accounts.selectors import grant_in_actor_scope

    if getattr(actor, "pk", None) == grant.user_id:
        raise AccountError("不能撤销自己的授权（职责分离）")
    if not grant_in_actor_scope(actor, grant):
        raise AccountError("只能撤销您管理范围内的授权")
    grant_remove(grant, actor=actor, request=request)


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(user: User, name: str = "integration", *, actor: Any = None) -> str:
    """Create a bearer token; the plain key is returned once and never stored."""
    key = "lj_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=_hash_token(key), prefix=key[:8])
    audit_record("token.create", user=actor, obj=user, detail={"name": name})
    return key


TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def token_user(key: str) -> User | None:
    """The active user a live bearer token belongs to, grants loaded (None: refuse).

    Served from the shared cache where it is on (`auth_cache`): a hit costs no query.
    """
    key_hash = _hash_token(key)
    now = timezone.now()
    generation = None
    if auth_cache.enabled():
        entry, generation = auth_cache.lookup(auth_cache.token_key(key_hash))
        if entry is not None and entry.token_pk is not None:
            if _token_stale(entry.last_used_at, now):
                ApiToken.objects.filter(pk=entry.token_pk).update(last_used_at=now)
                entry.last_used_at = now
                auth_cache.store(auth_cache.token_key(key_hash), entry)
            return entry.user  # type: ignore[no-any-return]
        # read before the database, so a change committed meanwhile leaves this entry stale
        generation = auth_cache.current_generation(generation)
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if _token_stale(token.last_used_at, now):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    user = token.user
    if generation is not None:
        entry = auth_cache.CachedAuth(
            generation, user, user_grants(user), token.pk, token.last_used_at
        )
        auth_cache.store(auth_cache.token_key(key_hash), entry)
    return user


def _token_stale(last_used_at: dt.datetime | None, now: dt.datetime) -> bool:
    # minute precision is enough to tell a live token from a stale one; a write
    # (and a WAL flush) on every API request was a tenth of the list API's cost
    return last_used_at is None or now - last_used_at >= TOKEN_TOUCH_INTERVAL


def _destroy_sessions(user: User) -> int:
    """Delete every live session of `user`; returns how many.

    Through the session engine, not the table alone: with Redis the engine
    (`cached_db`) serves sessions from the cache, which a table delete leaves.
    """
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    for key in doomed:
        store(session_key=key).delete()
    return len(doomed)


@transaction.atomic
def user_deactivate(user: User, *, actor: Any = None, request: HttpRequest | None = None) -> None:
    """Deactivation destroys the user's sessions and revokes tokens (S6)."""
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise AccountError("不能停用自己的账户")
    if not user.is_active:
        raise AccountError("该账户已停用")
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    auth_cache.invalidate_all()  # a bulk update sends no signal
    sessions = _destroy_sessions(user)
    audit_record(
        "account.deactivate",
        user=actor,
        request=request,
        obj=user,
        detail={"tokens_revoked": revoked, "sessions_ended": sessions},
    )


@transaction.atomic
def user_unlock(user: User, *, actor: Any, request: HttpRequest | None = None) -> int:
    """Release a django-axes lockout for this username (any IP); returns attempts cleared."""
    from axes.utils import reset

    cleared = reset(username=normalize_username(user.username))  # as axes stored it
    audit_record(
        "account.unlock",
        user=actor,
        request=request,
        obj=user,
        detail={"attempts_cleared": cleared},
    )
    return cleared
