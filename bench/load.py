"""Drive the mixed staff load test (QUALITY.md P5): seed, serve, run locust, print p95 and errors.

    pip install -e ".[bench]"          # locust
    python bench/load.py               # 300 then 600 users, 90 s each
    python bench/load.py --users 300 --seconds 60 --port 8100 --skip-seed

Steps: (1) a PostgreSQL database of its own (`lianjian_load`, or
BENCH_LOAD_DATABASE_URL), migrated, with the demo district (ledger included)
and extra received needs to dispatch; (2) one account per simulated user
(street staff of 虹桥街道, and handlers of its departments) with a signed-in
session each, written for the locust file; (3) gunicorn as the README deploys
it (`-c python:lianjian.gunicorn_conf`: sync workers, two per CPU) on
PostgreSQL with Redis for cache, sessions and rate limits; (4) locust
headless for each user count; the figures are read from its CSV.

Not production mode: TLS, secure cookies and the staff TOTP step would need
nginx and an OTP per account, so the server runs with DEBUG off in the
development environment (the same code paths for every page measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lianjian_load"
SESSIONS = Path(os.environ.get("LOAD_SESSIONS", "/tmp/lianjian_load_sessions.json"))  # noqa: S108
NEED_TEXTS = [
    "小区路灯坏了好几天，晚上出行不便，请尽快维修",
    "老人独居，希望社区定期上门看望",
    "楼道堆放杂物存在消防隐患",
    "希望周末组织亲子文体活动",
    "咨询退休手续办理需要哪些材料",
    "想租用社区活动室举办培训",
    "小区停车位紧张，外来车辆乱停",
    "求职登记，想找附近的物业岗位",
]


def _env(url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DEBUG="false",
        LIANJIAN_ENV="development",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="lianjian.settings",
    )
    return env


def seed(url: str, redis_url: str, staff: int, handlers: int, needs: int, fresh: bool) -> None:
    """Run in this process: the database, the demo, the accounts and their sessions."""
    os.environ.update(_env(url, redis_url))
    sys.path.insert(0, str(REPO))
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    from lianjian.needs.models import Department, Need
    from lianjian.orgs.models import Region

    street = Region.objects.filter(name="虹桥街道", level="street").first()
    if street is None:
        from lianjian.portal.demo import demo_build

        demo_build(with_ledger=True)
        street = Region.objects.get(name="虹桥街道", level="street")
    print(f"  migrated, demo district in place ({time.monotonic() - started:.0f} s)")
    received = Need.objects.filter(street=street, status="received").count()
    if received < needs:
        from lianjian.needs.services import need_submit

        community = Region.objects.filter(street_ref=street, level="community").first()
        began = time.monotonic()
        for n in range(needs - received):
            need_submit(
                channel="hotline",
                text=f"{NEED_TEXTS[n % len(NEED_TEXTS)]}（负载{n}）",
                region=community,
                submitter_kind="anonymous",
                submitter_name="",
                contact_phone="",
            )
        print(f"  {needs - received} received needs added ({time.monotonic() - began:.0f} s)")
    departments = list(Department.objects.filter(street=street).order_by("pk"))
    sessions = {
        "staff": _sessions("load_staff", staff, "street_staff", {"region": street}),
        "handler": [
            s
            for d, dept in enumerate(departments)
            for s in _sessions(
                f"load_handler{d}_",
                max(1, handlers // len(departments)),
                "dept_handler",
                {"department_key": dept.key},
            )
        ],
    }
    SESSIONS.write_text(json.dumps({"sessions": sessions}))
    print(
        f"  sessions: {len(sessions['staff'])} street staff, {len(sessions['handler'])} handlers"
        f" of {len(departments)} departments ({time.monotonic() - started:.0f} s in all)"
    )


def _sessions(
    prefix: str, count: int, role: str, target: dict[str, object]
) -> list[dict[str, str]]:
    from django.conf import settings
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add

    out = []
    for n in range(count):
        user, made = User.objects.get_or_create(
            username=f"{prefix}{n:03d}",
            defaults={"display_name": f"负载{prefix}{n}", "must_change_password": False},
        )
        if made:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            grant_add(user, role, **target)
        client = Client()
        client.force_login(user)
        out.append(
            {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        )
    return out


def serve(url: str, redis_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = _env(url, redis_url)
    env["LIANJIAN_ADDR"] = f"127.0.0.1:{port}"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-c", "python:lianjian.gunicorn_conf", "--log-level=warning"]
    server = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 600  # minutes when the machine is loaded
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start, see {log}") from None
            time.sleep(0.5)


def run_locust(port: int, users: int, seconds: int, out_dir: Path) -> dict[str, object]:
    prefix = out_dir / f"u{users}"
    locust = str(Path(sys.executable).with_name("locust"))
    command = [
        locust,
        "-f",
        str(Path(__file__).with_name("locust_staff.py")),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(10, users // 10)),  # everyone in within ~10 s
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--exit-code-on-error",
        "0",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    (out_dir / f"u{users}.log").write_text(done.stdout + done.stderr)
    return summarise(prefix)


def summarise(prefix: Path) -> dict[str, object]:
    """The aggregate row, the six slowest request names and the failures of one run."""
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    worst = sorted(
        (r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -float(r["95%"] or 0)
    )
    failures = list(csv.DictReader(Path(f"{prefix}_failures.csv").open()))
    return {"total": total, "worst": worst[:6], "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[300, 600])
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--needs", type=int, default=800, help="received needs to dispatch")
    parser.add_argument(
        "--accounts",
        type=int,
        default=200,
        help="signed-in accounts the simulated users share (3/4 street staff); each account's"
        " own rate limits (searches: 60 a minute) must hold for the users sharing it",
    )
    parser.add_argument("--skip-seed", action="store_true", help="reuse the sessions file")
    parser.add_argument("--report", type=Path, help="print the figures of a previous run's dir")
    parser.add_argument("--fresh", action="store_true", help="drop the load database first")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    args = parser.parse_args()
    if args.report:
        found = {
            int(p.name[1 : -len("_stats.csv")]): summarise(
                p.with_name(p.name[: -len("_stats.csv")])
            )
            for p in sorted(args.report.glob("u*_stats.csv"))
        }
        report(found, args.seconds, ["?"], ["?"])
        return
    url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    accounts = args.accounts
    if not args.skip_seed:
        print(f"seeding {url.rsplit('/', 1)[1]} ({accounts} accounts)")
        # a child process: the driver itself keeps no Django state or connections
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--seed-only",
                str(accounts * 3 // 4),
                str(max(4, accounts // 4)),
                str(args.needs),
                "1" if args.fresh else "0",
                args.redis,
            ],
            check=True,
        )
    import redis

    # its own Redis database: no rate-limit counts left from a previous run (sessions are
    # cached_db, so they survive in PostgreSQL)
    redis.Redis.from_url(args.redis).flushdb()
    out_dir = Path(tempfile.mkdtemp(prefix="lianjian_load_"))
    server = serve(url, args.redis, args.port, out_dir / "gunicorn.log")
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    try:
        results = {}
        for users in args.users:
            began = time.monotonic()
            results[users] = run_locust(args.port, users, args.seconds, out_dir)
            print(f"  {users} users done in {time.monotonic() - began:.0f} s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    report(results, args.seconds, load_before, load_after)
    print(f"  locust logs and CSV: {out_dir}")


def report(
    results: dict[int, dict[str, object]],
    seconds: int,
    load_before: list[str],
    load_after: list[str],
) -> None:
    cpus = os.cpu_count()
    print(
        f"mixed staff load (P5: 300 users p95 <= 200 ms, 0 errors; 600 users degrade without"
        f" errors); gunicorn -c python:lianjian.gunicorn_conf ({2 * (cpus or 1)} sync workers),"
        f" PostgreSQL, Redis; {cpus} CPUs shared with locust and with other work"
        f" (load average {' '.join(load_before)} before, {' '.join(load_after)} after)"
    )
    for users, result in results.items():
        total = result["total"]
        assert isinstance(total, dict)
        print(
            f"  {users:4d} users, {seconds} s: {int(total['Request Count']):6d} requests"
            f" ({float(total['Requests/s']):6.1f}/s), p50 {total['50%']} ms, p95 {total['95%']} ms,"
            f" p99 {total['99%']} ms, errors {total['Failure Count']}"
        )
        for row in result["worst"]:  # type: ignore[attr-defined]
            print(
                f"        {row['Type']:4} {row['Name']:<34} n={row['Request Count']:>5}"
                f"  p50 {row['50%']:>6} ms  p95 {row['95%']:>6} ms  errors {row['Failure Count']}"
            )
        for row in result["failures"][:5]:  # type: ignore[index]
            print(
                f"        failure: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--seed-only":
        staff, handlers, needs, fresh, redis_url = sys.argv[2:7]
        seed(
            os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL),
            redis_url,
            int(staff),
            int(handlers),
            int(needs),
            fresh == "1",
        )
    else:
        main()
