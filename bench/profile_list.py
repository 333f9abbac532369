"""Where a list request's time goes: cProfile of GET /api/v1/members in-process.

    python bench/profile_list.py            # 200 requests as the street staff, top 25 lines
    python bench/profile_list.py --path /api/v1/needs --requests 300

The request goes through the whole WSGI stack (middleware, authentication by
bearer token, the scope filter, the query, the schema) with Django's test
Client; the figures printed group the profile by the layer a function belongs
to, so "the database" is psycopg's own time plus the wait for PostgreSQL, and
"Django" what remains of the framework.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict

from common import machine_speed, setup

LAYERS = (
    ("database (psycopg, PostgreSQL round trips)", ("psycopg",)),
    ("SQL compilation (Django ORM)", ("django/db/models/sql", "django/db/models/expressions")),
    ("ORM rows to objects", ("django/db/models/query.py", "django/db/models/base.py")),
    ("schemas (pydantic, ninja)", ("pydantic", "ninja")),
    ("middleware, auth, sessions (Django)", ("django/contrib", "django/middleware")),
    ("lianjian code", ("lianjian/",)),
    ("rest of Django", ("django/",)),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/api/v1/members")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    setup()
    print(machine_speed())
    from django.db import connection
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.accounts.services import token_create

    staff = User.objects.get(username="bench_street")  # made by bench/run.py
    token = token_create(staff, "profile")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for _ in range(10):
        assert client.get(args.path, **auth).status_code == 200
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    profile = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        profile.enable()
        for _ in range(args.requests):
            client.get(args.path, **auth)
        profile.disable()
    wall = (time.perf_counter() - started) * 1000 / args.requests
    stats = pstats.Stats(profile)
    total = sum(tt for (_, _, tt, _, _) in stats.stats.values())  # type: ignore[attr-defined]
    by_layer: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tt, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        layer = next(
            (name for name, marks in LAYERS if any(m in filename for m in marks)),
            "Python, other libraries",
        )
        by_layer[layer] += tt
    print(
        f"GET {args.path} as street staff, {args.requests} requests in-process:"
        f" {wall:.1f} ms each under the profiler, {queries / args.requests:.1f} SQL statements each"
    )
    for layer, seconds in sorted(by_layer.items(), key=lambda kv: -kv[1]):
        print(f"  {layer:<46} {seconds / total:5.1%}  {seconds * 1000 / args.requests:6.2f} ms")
    print(f"top {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
