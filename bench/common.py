"""Shared set-up for the benchmark scripts: a private PostgreSQL database, Django settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lianjian_bench"


def setup(create: bool = False) -> str:
    """Point Django at the benchmark database (BENCH_DATABASE_URL) and set it up."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("benchmarks need PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if create:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    # the process as a deployed worker starts: URLconf and views loaded, start-up
    # objects frozen out of the cyclic collector's walk (lianjian/wsgi.py)
    import lianjian.wsgi  # noqa: F401

    return url


def machine_speed() -> str:
    """A fixed pure-Python loop, timed three times: how fast this shared machine is right now.

    On the 2-CPU VMs here the same loop took 57-155 ms minutes apart (other
    tenants of the host, and this machine's own load); figures from a slow
    moment are slower by about as much. Printed first so runs can be compared.
    """
    import time

    samples = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        samples.append((time.perf_counter() - started) * 1000)
    return f"machine speed: a fixed loop took {min(samples):.0f}-{max(samples):.0f} ms (fastest seen here: ~57 ms)"
