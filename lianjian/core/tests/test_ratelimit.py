"""Rate limits hold across server processes (S22, finding 7).

With the per-process memory cache each of gunicorn's workers counted on its
own: 4 workers let 100 logins through and the public form 12 of 5. Counters
now live in Redis or in the database; the multi-process proof against real
processes is in `test_production_recipe.py`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
import time_machine

from lianjian.core import ratelimit
from lianjian.core.models import RateCounter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


# CI's machine runs Redis (.ci/run sets CI=true): there a missing Redis fails the test
@pytest.mark.skipif(
    not os.environ.get("CI") and not _redis_up(), reason="no Redis at TEST_REDIS_URL"
)
def test_two_processes_sharing_redis_share_one_count() -> None:
    """Two cache clients with their own connections stand for two server processes."""
    from django.core.cache.backends.redis import RedisCache

    options = {"KEY_PREFIX": f"rl-test-{os.getpid()}"}
    first, second = RedisCache(REDIS_URL, options), RedisCache(REDIS_URL, options)
    first.clear()
    answers = [
        ratelimit.hit("login:10.0.0.9", 5, 60, store=(first, second)[i % 2]) for i in range(12)
    ]
    assert [a is None for a in answers] == [True] * 5 + [False] * 7
    assert all(0 < a <= 60 for a in answers[5:] if a is not None)
    first.clear()


@pytest.mark.django_db
def test_database_counters_count_and_refuse_with_retry_after(settings: Any) -> None:
    settings.RATELIMIT_BACKEND = "database"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC), tick=False):
        answers = [ratelimit.hit("needs.public_submit:10.0.0.7", 5, 600) for _ in range(7)]
        assert answers[:5] == [None] * 5
        assert answers[5:] == [590, 590]
        # another client has its own count
        assert ratelimit.hit("needs.public_submit:10.0.0.8", 5, 600) is None
    assert RateCounter.objects.get(key__contains="10.0.0.7").count == 7
    # the next window starts again from zero; finished windows are purged
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 10, 0, tzinfo=dt.UTC), tick=False):
        assert ratelimit.hit("needs.public_submit:10.0.0.7", 5, 600) is None
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False):
        assert ratelimit.purge_expired_counters() == 3
    assert not RateCounter.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_counters_hold_under_concurrent_connections(settings: Any) -> None:
    """16 connections at once (as 16 worker processes would) get exactly the limit."""
    settings.RATELIMIT_BACKEND = "database"
    from django.db import connections

    def attempt(key: str, barrier: threading.Barrier, results: list[int | None]) -> None:
        try:
            barrier.wait()
            results.append(ratelimit.hit(key, 10, 60))  # list.append is atomic
        finally:
            connections.close_all()

    for round_ in range(5):
        barrier = threading.Barrier(16)
        results: list[int | None] = []
        threads = [
            threading.Thread(target=attempt, args=(f"login:race-{round_}", barrier, results))
            for _ in range(16)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 16
        assert sum(1 for r in results if r is None) == 10


def test_production_without_redis_counts_in_the_database() -> None:
    """The settings, as a production process loads them (see test_settings for the harness)."""
    from lianjian.core.tests.test_settings import _production_env, _run

    code = "from django.conf import settings as s; print(s.RATELIMIT_BACKEND)"
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        result = _run(_production_env(Path(tmp)), "shell", "-c", code)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "database"
        redis_env = _production_env(Path(tmp), REDIS_URL="redis://127.0.0.1:6379/0")
        result = _run(redis_env, "shell", "-c", code)
        assert result.stdout.strip().splitlines()[-1] == "cache"
        result = _run(_production_env(Path(tmp), RATELIMIT_BACKEND="cache"), "check")
        assert result.returncode != 0
        assert "RATELIMIT_BACKEND=cache needs REDIS_URL in production" in result.stderr
