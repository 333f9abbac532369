"""Fixed-window rate limits on the cache (S22): 429 with Retry-After."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from lianjian.core.audit import client_ip


def hit(key: str, limit: int, window: int) -> int | None:
    """Count one hit; return seconds to wait when over the limit, else None."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{key}:{bucket}"
    added = cache.add(cache_key, 1, timeout=window + 1)
    count = 1 if added else cache.incr(cache_key)
    if count > limit:
        return window - int(time.time() % window)
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
