"""Fixed-window rate limits (S22): 429 with Retry-After.

The counters must be shared by every server process, or each of gunicorn's
workers grants the full limit on its own (four workers let 100 logins through
a limit of 10). `settings.RATELIMIT_BACKEND` picks where they live:

- `cache`: the default cache, which in production must be Redis (REDIS_URL);
  `add` and `incr` are atomic there;
- `database`: one upserted row per key and window (`RateCounter`), atomic on
  PostgreSQL and SQLite alike; production without Redis uses it.

Development and tests count in the process's own memory (one process).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from lianjian.core.audit import client_ip

_UPSERT = (
    "INSERT INTO core_ratecounter (key, count, expires_at) VALUES (%s, 1, %s) "
    "ON CONFLICT (key) DO UPDATE SET count = core_ratecounter.count + 1 RETURNING count"
)


def _cache_count(cache_key: str, window: int, store: Any = None) -> int:
    store = cache if store is None else store
    if store.add(cache_key, 1, timeout=window + 1):
        return 1
    try:
        return int(store.incr(cache_key))
    except ValueError:  # expired between add and incr: this hit opens the window again
        store.add(cache_key, 1, timeout=window + 1)
        return 1


def _database_count(cache_key: str, window: int) -> int:
    expires = timezone.now() + dt.timedelta(seconds=window + 1)
    # its own savepoint: a refused upsert must not break the request's transaction
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT, [cache_key[:200], expires])
        count = int(cursor.fetchone()[0])
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            cursor.execute("DELETE FROM core_ratecounter WHERE expires_at < %s", [timezone.now()])
    return count


def purge_expired_counters() -> int:
    """Drop finished windows' rows (the retention run calls it daily)."""
    from lianjian.core.models import RateCounter

    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def hit(key: str, limit: int, window: int, *, store: Any = None) -> int | None:
    """Count one hit; return seconds to wait when over the limit, else None.

    `store` is a cache to count in instead of the configured backend (tests
    use it to stand for a second server process).
    """
    now = time.time()
    cache_key = f"rl:{key}:{int(now // window)}"
    if store is None and settings.RATELIMIT_BACKEND == "database":
        count = _database_count(cache_key, window)
    else:
        count = _cache_count(cache_key, window, store)
    if count > limit:
        return max(1, window - int(now % window))
    return None


def blocked(key: str, limit: int, window: int) -> int | None:
    """Seconds to wait when `key` already spent its `limit` in this window, else None.

    Counts nothing: for limits on an outcome (a conflict found) rather than on
    every request, the caller checks here first and calls `hit` when it happens.
    """
    now = time.time()
    cache_key = f"rl:{key}:{int(now // window)}"
    if settings.RATELIMIT_BACKEND == "database":
        from lianjian.core.models import RateCounter

        count = (
            RateCounter.objects.filter(key=cache_key[:200]).values_list("count", flat=True).first()
        )
    else:
        count = cache.get(cache_key)
    if count is not None and int(count) >= limit:
        return max(1, window - int(now % window))
    return None


def rate_limited(
    request: HttpRequest, name: str, *, limit: int, window: int
) -> HttpResponse | None:
    """Rate-limit per client IP (and user when signed in)."""
    who = client_ip(request)
    if request.user.is_authenticated:
        who += f":{request.user.pk}"
    retry = hit(f"{name}:{who}", limit, window)
    if retry is None:
        return None
    message = "请求过于频繁，请稍后再试"
    if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith(
        "application/json"
    ):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry)
    return response
