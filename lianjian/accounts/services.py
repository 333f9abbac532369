"""Writes on accounts: creation with one-time passwords, password changes and
resets, grants, tokens, second factors, deactivation and lockout release.

Every write here is audited inside its own transaction (S11, S12). The
separation of duties (which roles share an account, who may reset whose
credentials) is `duties`; the account checks every credential obeys are
`policy`.
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
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from lianjian.accounts import auth_cache, duties
from lianjian.accounts.models import ApiToken, Grant, PasswordHistory, User
from lianjian.accounts.policy import account_refusal, has_confirmed_device
from lianjian.accounts.usernames import normalize_username, username_problem
from lianjian.core.audit import audit_record
from lianjian.core.permissions import is_staff_user, user_grants, user_has_perm
from lianjian.core.roles import Role

__all__ = ["normalize_username"]  # re-exported: views and axes fold usernames through services


class AccountError(ValueError):
    """Bad input for an account write; `field` names the offending form field when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
    actor: User | None = None,
    home_region: Any = None,
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create an account with a random one-time password (S3); returns both.

    The password is shown to the creating administrator once and never stored
    in clear; the first login must change it.
    """
    username = normalize_username(username)
    problem = username_problem(username)
    if problem:
        raise AccountError(problem, "username")
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
def password_change(user: User, new_password: str, *, request: HttpRequest | None = None) -> None:
    """Validate against the policy and history, store, and record the old hash."""
    validate_password(new_password, user)
    if user.password:
        PasswordHistory.objects.create(user=user, password_hash=user.password)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record("account.password_change", user=user, request=request, obj=user)


def _check_authority(actor: User | None, target: User, what: str) -> None:
    """An administrator acts on credentials only of accounts ranked below its own (`duties`).

    No actor is the operator on the server (`lianjian resetpassword`).
    """
    if actor is None:
        return
    if actor.pk == target.pk:
        raise AccountError(f"不能对自己的账户{what}")
    held = set(Grant.objects.filter(user=target).values_list("role", flat=True))
    if not duties.outranks({g.role for g in user_grants(actor)}, held):
        raise AccountError(f"职责分离：您不能对同级或更高级别管理员的账户{what}")


@transaction.atomic
def password_reset(user: User, actor: User | None, *, request: HttpRequest | None = None) -> str:
    """An administrator's reset: a new random one-time password, sessions and tokens ended (S3).

    The second factor stays: clearing it is the security administrator's
    separate act (`second_factor_reset`), so no single administrator can
    take over an account that has enrolled TOTP.
    """
    _check_authority(actor, user, "重置密码")
    if not user.is_active:
        raise AccountError("该账户已停用，不能重置密码")
    initial = random_password()
    if user.password:
        PasswordHistory.objects.create(user=user, password_hash=user.password)
    user.set_password(initial)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoked = _revoke_tokens(user)
    sessions = _destroy_sessions(user)
    audit_record(
        "account.password_reset",
        user=actor,
        request=request,
        obj=user,
        detail={"tokens_revoked": revoked, "sessions_ended": sessions},
    )
    return initial


@transaction.atomic
def second_factor_reset(
    user: User, *, actor: User | None, request: HttpRequest | None = None
) -> int:
    """The security administrator removes a user's TOTP devices (a lost phone); returns how many.

    The user enrols again at the next sign-in; their sessions end. Only the
    holder of `accounts.reset_otp` (or the operator on the server) may do it,
    and only on an account ranked below their own.
    """
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor is not None and not user_has_perm(actor, "accounts.reset_otp"):
        raise AccountError("只有安全管理员可以重置双因素认证")
    _check_authority(actor, user, "重置双因素认证")
    removed = int(TOTPDevice.objects.filter(user=user).delete()[0])
    StaticDevice.objects.filter(user=user).delete()
    auth_cache.invalidate_all()
    sessions = _destroy_sessions(user)
    audit_record(
        "account.otp_reset",
        user=actor,
        request=request,
        obj=user,
        detail={"devices_removed": removed, "sessions_ended": sessions},
    )
    return removed


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
    actor: User | None = None,
    request: HttpRequest | None = None,
    **target: Any,
) -> Grant:
    """Give `user` a role on one subtree; role changes are audit events (S11).

    Refused when the role conflicts with one the user holds (`duties`): the
    user's row is locked first, so two concurrent grants cannot both pass.
    Any grant change ends the user's API tokens (S27). An account without a
    home region is placed at its first grant, so it stays on its
    administrators' pages when its grants are later revoked.
    """
    _check_target(role, target)
    locked = User.objects.select_for_update().filter(pk=user.pk).first()
    if locked is None or not locked.is_active:
        raise AccountError("该账户已停用，不能授权")
    held = set(Grant.objects.filter(user=user).values_list("role", flat=True))
    clash = duties.conflicting(role, held)
    if clash is not None:
        raise AccountError(duties.conflict_message(role, clash), "role")
    if Grant.objects.filter(user=user, role=role, **target).exists():
        raise AccountError("该用户已拥有此授权")
    grant = Grant.objects.create(user=user, role=role, **target)
    if locked.home_region_id is None:
        place = _place_of(grant)
        if place is not None:
            user.home_region_id = place
            User.objects.filter(pk=user.pk).update(home_region_id=place)
    revoked = _revoke_tokens(user)
    audit_record(
        "grant.add",
        user=actor,
        request=request,
        obj=grant,
        detail={
            "user": user.username,
            "role": role,
            "target": str(grant),
            "tokens_revoked": revoked,
        },
    )
    return grant


def _place_of(grant: Grant) -> int | None:
    """The id of the region a grant lies in."""
    from lianjian.accounts.departments import department_region_id

    if grant.region_id:
        return grant.region_id
    if grant.party_org is not None:
        return int(grant.party_org.region_id)
    if grant.unit is not None:
        return int(grant.unit.region_id)
    return department_region_id(grant.department_key)


@transaction.atomic
def grant_remove(
    grant: Grant, *, actor: User | None = None, request: HttpRequest | None = None
) -> None:
    revoked = _revoke_tokens(grant.user)
    audit_record(
        "grant.remove",
        user=actor,
        request=request,
        obj=grant,
        detail={
            "user": grant.user.username,
            "role": grant.role,
            "target": str(grant),
            "tokens_revoked": revoked,
        },
    )
    grant.delete()


@transaction.atomic
def grant_give(
    actor: User,
    user: User,
    role: str,
    *,
    request: HttpRequest | None = None,
    **target: Any,
) -> Grant:
    """A security administrator's grant: only inside the actor's own subtrees, never to self (S10)."""
    from lianjian.accounts.selectors import admin_regions, department_in_actor_scope

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
        # the department's own street, never "any district grant" (one message for an
        # unknown key and a foreign one: the form reveals no other district's departments)
        inside = department_in_actor_scope(actor, target["department_key"], perm)
    if not inside:
        raise AccountError("只能在您自己的管理范围内授权")
    return grant_add(user, role, actor=actor, request=request, **target)


@transaction.atomic
def grant_revoke(actor: User, grant: Grant, *, request: HttpRequest | None = None) -> None:
    """Revoke a grant whose target lies inside the actor's subtrees, never the actor's own."""
    from lianjian.accounts.selectors import grant_in_actor_scope

    if getattr(actor, "pk", None) == grant.user_id:
        raise AccountError("不能撤销自己的授权（职责分离）")
    if not grant_in_actor_scope(actor, grant):
        raise AccountError("只能撤销您管理范围内的授权")
    grant_remove(grant, actor=actor, request=request)


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class AccountRefused(PermissionDenied):
    """A valid token of an account that may not work now (answered 403 with the reason)."""


@transaction.atomic
def token_issue(
    user: User, name: str = "integration", *, actor: User | None = None, days: int | None = None
) -> tuple[str, ApiToken]:
    """Create a bearer token valid for `days` (default `API_TOKEN_DAYS`); the plain key is
    returned once and never stored, with the token row (its expiry)."""
    days = settings.API_TOKEN_DAYS if days is None else days
    key = "lj_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=_hash_token(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        "token.create",
        user=actor,
        obj=user,
        detail={"name": name, "expires_at": token.expires_at.isoformat()},
    )
    return key, token


def token_create(user: User, name: str = "integration", *, actor: User | None = None) -> str:
    """Create a bearer token; the plain key is returned once and never stored."""
    return token_issue(user, name, actor=actor)[0]


TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def token_user(key: str) -> User | None:
    """The active user a live, unexpired bearer token belongs to, grants loaded (None: refuse).

    Identity only; `token_authenticate` adds the account checks sessions obey.
    """
    found = _token_lookup(key)
    return found[0] if found else None


def token_authenticate(key: str) -> User | None:
    """The API's bearer authentication: `token_user` plus `policy.account_refusal` (S27).

    An unknown, revoked or expired token is None (401); a valid token of an
    account that must change its password, whose password expired, or that
    is staff without a confirmed second factor where TOTP is enforced raises
    `AccountRefused` (403 with the reason), audited.
    """
    found = _token_lookup(key)
    if found is None:
        return None
    user, device = found
    refusal = account_refusal(user, second_factor=device)
    if refusal is not None:
        audit_record(
            "auth.token_refused",
            user=user,
            result="denied",
            detail={"reason": refusal.code, "token": key[:8]},
        )
        raise AccountRefused(refusal.message)
    return user


def _token_lookup(key: str) -> tuple[User, Any] | None:
    """(user, whether the account has a second factor) for a live token, or None.

    Served from the shared cache where it is on (`auth_cache`): a hit costs no query.
    """
    key_hash = _hash_token(key)
    now = timezone.now()
    generation = None
    if auth_cache.enabled():
        entry, generation = auth_cache.lookup(auth_cache.token_key(key_hash))
        if entry is not None and entry.token_pk is not None:
            if entry.token_expires_at is None or entry.token_expires_at <= now:
                return None
            if _token_stale(entry.last_used_at, now):
                ApiToken.objects.filter(pk=entry.token_pk).update(last_used_at=now)
                entry.last_used_at = now
                auth_cache.store(auth_cache.token_key(key_hash), entry)
            return entry.user, _device_answer(entry.user, entry.has_device)
        # read before the database, so a change committed meanwhile leaves this entry stale
        generation = auth_cache.current_generation(generation)
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=key_hash, revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
        )
        .first()
    )
    if token is None:
        return None
    if _token_stale(token.last_used_at, now):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    user = token.user
    has_device = _device_flag(user)
    if generation is not None:
        entry = auth_cache.CachedAuth(
            generation,
            user,
            user_grants(user),
            token.pk,
            token.last_used_at,
            token_expires_at=token.expires_at,
            has_device=has_device,
        )
        auth_cache.store(auth_cache.token_key(key_hash), entry)
    return user, _device_answer(user, has_device)


def _device_flag(user: User) -> bool | None:
    """Whether a staff account has a confirmed device, looked up only where TOTP is enforced."""
    if settings.OTP_REQUIRED_FOR_STAFF and is_staff_user(user):
        return has_confirmed_device(user)
    return None


def _device_answer(user: User, flag: bool | None) -> Any:
    return (lambda: flag) if flag is not None else (lambda: has_confirmed_device(user))


def _revoke_tokens(user: User) -> int:
    """Revoke every live token of `user`; returns how many (the next request already fails)."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        auth_cache.invalidate_all()  # a bulk update sends no signal
    return revoked


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
def user_deactivate(
    user: User, *, actor: User | None = None, request: HttpRequest | None = None
) -> None:
    """Deactivation destroys the user's sessions and revokes tokens (S6).

    Like a reset, only on an account ranked below the actor's (`duties`).
    """
    _check_authority(actor, user, "停用")
    if not user.is_active:
        raise AccountError("该账户已停用")
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = _revoke_tokens(user)
    auth_cache.invalidate_all()
    sessions = _destroy_sessions(user)
    audit_record(
        "account.deactivate",
        user=actor,
        request=request,
        obj=user,
        detail={"tokens_revoked": revoked, "sessions_ended": sessions},
    )


@transaction.atomic
def user_unlock(user: User, *, actor: User, request: HttpRequest | None = None) -> int:
    """Release a django-axes lockout for this username (any IP); returns attempts cleared."""
    from axes.utils import reset

    cleared = int(reset(username=normalize_username(user.username)))  # as axes stored it
    audit_record(
        "account.unlock",
        user=actor,
        request=request,
        obj=user,
        detail={"attempts_cleared": cleared},
    )
    return cleared
