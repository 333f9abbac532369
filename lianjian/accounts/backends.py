"""Authentication backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.backends import ModelBackend

from lianjian.accounts import auth_cache
from lianjian.core.permissions import user_grants

if TYPE_CHECKING:
    from lianjian.accounts.models import User


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend; a signed-in request's user and grants come from the
    shared cache when it is on (`auth_cache`), so a page reads neither."""

    def get_user(self, user_id: Any) -> User | None:
        if not auth_cache.enabled():
            return super().get_user(user_id)
        key = auth_cache.user_key(user_id)
        entry, generation = auth_cache.lookup(key)
        if entry is not None:
            return entry.user
        # read before the database, so a change committed meanwhile leaves this entry stale
        generation = auth_cache.current_generation(generation)
        user = super().get_user(user_id)
        if user is not None:
            auth_cache.store(key, auth_cache.CachedAuth(generation, user, user_grants(user)))
        return user
