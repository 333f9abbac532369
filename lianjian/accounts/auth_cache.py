"""Who a request is, answered from the shared cache (QUALITY.md P2).

Every API request looked up its bearer token, the token's user and the user's
grants; every page looked up its user and grants after the session: two
queries and their ORM work, a quarter of a 20-row list request (ADR 0004).
A hit here costs one cache round trip for the entry and the current
*generation* together.

Safety comes from the generation, not from the entry's lifetime: any change
that could alter who a token or a session is or what it may reach — a user, a
grant or a token saved or deleted, a TOTP device enrolled, confirmed or removed, a Party organization, region or unit saved
(grants read their paths and places), tokens revoked in bulk — replaces the generation at
once and again when the transaction commits, so a revoked token, a
deactivated account or a removed grant takes effect on the next request, in
every server process. Entries also expire after `AUTH_CACHE_SECONDS`.

The cache must be shared by every server process (Redis, `REDIS_URL`): with
a per-process cache a revocation would reach only one process. So the
default is on with Redis and off without it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from lianjian.accounts.models import Grant, User

GENERATION_KEY = "lianjian:auth:generation"
TOKEN_PREFIX = "lianjian:auth:token:"
USER_PREFIX = "lianjian:auth:user:"


@dataclass
class CachedAuth:
    """A user and their grants (and for a token, what it needs), as of `generation`."""

    generation: str
    user: User
    grants: list[Grant]
    token_pk: int | None = None
    last_used_at: dt.datetime | None = None
    # a token's expiry, checked on every hit (an entry may outlive the token by seconds)
    token_expires_at: dt.datetime | None = None
    # whether the account has a confirmed TOTP device (None: not looked up, TOTP not enforced)
    has_device: bool | None = None


def enabled() -> bool:
    return bool(settings.AUTH_CACHE_SECONDS)


def token_key(key_hash: str) -> str:
    return TOKEN_PREFIX + key_hash


def user_key(user_id: Any) -> str:
    return f"{USER_PREFIX}{user_id}"


def lookup(key: str) -> tuple[CachedAuth | None, str | None]:
    """The entry under `key` if still current, and the current generation.

    The user comes back with its grants attached, as `user_grants` keeps them.
    """
    found = cache.get_many([key, GENERATION_KEY])
    generation = found.get(GENERATION_KEY)
    entry = found.get(key)
    if generation is None or not isinstance(entry, CachedAuth) or entry.generation != generation:
        return None, generation
    # as `core.permissions.user_grants` memoises them on the instance
    cast("Any", entry.user)._lianjian_grants = entry.grants
    return entry, generation


def current_generation(seen: str | None) -> str:
    """The generation to store an entry under, read before the database was."""
    if seen is not None:
        return seen
    cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    value = cache.get(GENERATION_KEY)
    # evicted again in between: an entry under a fresh value is simply never current
    return str(value) if value is not None else secrets.token_hex(8)


def store(key: str, entry: CachedAuth) -> None:
    cache.set(key, entry, timeout=settings.AUTH_CACHE_SECONDS)


def invalidate_all() -> None:
    """Make every cached entry stale, now and again when the transaction commits.

    Now, so this process and others stop trusting the entries at once; at
    commit, because a request that read the database before the commit could
    have cached the old rows under the generation set now.
    """
    if not enabled():
        return
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)


def on_change(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    """Signal receiver: a saved or deleted row that tokens and sessions depend on."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "last_used_at"}:
        return  # a sign-in or a token touch changes nothing anyone may do
    invalidate_all()


def on_places_bulk_written(**payload: object) -> None:
    """Event `orgs.places_bulk_written`: units, organizations or regions written in bulk
    sent no `post_save`, and grants read them."""
    invalidate_all()


def on_device_change(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    """A TOTP device created, confirmed or deleted: tokens of staff read whether one exists.

    `verify_token` saves the device on every code (counters), which changes nothing
    anyone may do, so only a creation, a deletion or a save of `confirmed` counts.
    """
    update_fields = kwargs.get("update_fields")
    created = kwargs.get("created", False)
    deleted = "created" not in kwargs  # post_delete sends no `created`
    if deleted or created or (update_fields is not None and "confirmed" in update_fields):
        invalidate_all()


def connect() -> None:
    """Wire the receivers (AccountsConfig.ready)."""
    from django.db.models.signals import post_delete, post_save
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lianjian.accounts.models import ApiToken, Grant, User
    from lianjian.orgs.models import PartyOrg, Region, Unit

    for model in (User, Grant, ApiToken):
        post_save.connect(on_change, sender=model, dispatch_uid=f"auth_cache_save_{model.__name__}")
        post_delete.connect(
            on_change, sender=model, dispatch_uid=f"auth_cache_delete_{model.__name__}"
        )
    # grants read the organization's path and district, the region's level, the unit's
    # region: saves only, so the big tables' bulk deletes (demo reset) keep Django's
    # fast delete (a deleted target deletes its grants, which do signal)
    for place in (PartyOrg, Region, Unit):
        post_save.connect(on_change, sender=place, dispatch_uid=f"auth_cache_save_{place.__name__}")
    post_save.connect(on_device_change, sender=TOTPDevice, dispatch_uid="auth_cache_save_totp")
    post_delete.connect(on_device_change, sender=TOTPDevice, dispatch_uid="auth_cache_delete_totp")
