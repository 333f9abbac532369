"""Print the QUALITY.md P2–P4 figures for the dataset currently in the benchmark database.

    python bench/generate.py district && python bench/run.py
    python bench/run.py --skip-import        # coverage and list timings only

List timings use Django's test Client in-process, sequentially (first version:
no concurrency, no network); coverage timings call the selectors directly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from common import machine_speed, setup
from timing import Pair, paired, percentiles, runs_argument, timed


def line(label: str, p50: float, p95: float) -> None:
    print(f"  {label:<52} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")


HAND_SQL = """
SELECT
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org')),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND c.unit_id IS NOT NULL),
  count(*) FILTER (WHERE u.kind = 'individual_business'),
  count(*) FILTER (WHERE u.kind = 'community_team'),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND u.is_above_scale),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND u.is_above_scale AND c.unit_id IS NOT NULL),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND NOT coalesce(u.member_since <= %(d)s, false)),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND NOT coalesce(u.member_since <= %(d)s, false) AND (u.liaison_name <> '' OR c.unit_id IS NOT NULL)),
  count(*) FILTER (WHERE u.kind IN ('private_enterprise', 'social_org') AND NOT coalesce(u.member_since <= %(d)s, false) AND u.liaison_name = '' AND c.unit_id IS NULL),
  count(*) FILTER (WHERE u.min_members_since <= %(d)s AND NOT coalesce(c.independent, false)),
  count(*) FILTER (WHERE u.member_since <= %(d)s AND c.unit_id IS NULL)
FROM orgs_unit u
LEFT JOIN (
  SELECT l.unit_id, bool_or(p.formation = 'single') AS independent
  FROM orgs_orgunitcoverage l JOIN orgs_partyorg p ON p.id = l.party_org_id
  WHERE (l.since IS NULL OR l.since <= %(d)s) AND (l.until IS NULL OR l.until > %(d)s)
    AND (p.founded_on IS NULL OR p.founded_on <= %(d)s) AND (p.dissolved_on IS NULL OR p.dissolved_on > %(d)s)
  GROUP BY l.unit_id
) c ON c.unit_id = u.id
WHERE {where} AND (u.registered_on IS NULL OR u.registered_on <= %(d)s)
  AND (u.deregistered_on IS NULL OR u.deregistered_on > %(d)s)
"""


# the full report's aggregate by hand: the same per-unit flags as HAND_SQL, grouped by
# every flag, by place and by industry in one statement, plus the floating members
HAND_REPORT_SQL = """
SELECT GROUPING(region_id, industry), street_id, industry, kind, covered, violation, n_single,
  n_joint, count(*)
FROM (
  SELECT u.region_id, u.street_id, u.community_id, u.industry, u.kind, u.is_above_scale,
    u.liaison_name <> '' AS has_liaison, c.unit_id IS NOT NULL AS covered,
    coalesce(c.single, false) AS n_single, coalesce(c.joint, false) AS n_joint,
    coalesce(c.temporary, false) AS n_temporary,
    coalesce(u.member_since <= %(d)s, false) AS has_member,
    coalesce(u.min_members_since <= %(d)s, false) AND NOT coalesce(c.single, false) AS violation
  FROM orgs_unit u
  LEFT JOIN (
    SELECT l.unit_id, bool_or(p.formation = 'single') AS single,
      bool_or(p.formation = 'joint') AS joint, bool_or(p.formation = 'temporary') AS temporary
    FROM orgs_orgunitcoverage l JOIN orgs_partyorg p ON p.id = l.party_org_id
    WHERE (l.since IS NULL OR l.since <= %(d)s) AND (l.until IS NULL OR l.until > %(d)s)
      AND (p.founded_on IS NULL OR p.founded_on <= %(d)s)
      AND (p.dissolved_on IS NULL OR p.dissolved_on > %(d)s)
    GROUP BY l.unit_id
  ) c ON c.unit_id = u.id
  WHERE {where} AND (u.registered_on IS NULL OR u.registered_on <= %(d)s)
    AND (u.deregistered_on IS NULL OR u.deregistered_on > %(d)s)
) f
GROUP BY GROUPING SETS (
  (kind, is_above_scale, has_liaison, covered, n_single, has_member, violation, n_joint,
   n_temporary),
  (region_id, street_id, community_id, kind, is_above_scale, covered, violation, n_single,
   n_joint, n_temporary),
  (industry, kind, is_above_scale, covered, violation, n_single, n_joint, n_temporary)
)
"""
HAND_FLOATING_SQL = """
SELECT floating_to, count(*) FROM orgs_member
WHERE {where} AND is_active AND is_floating AND (joined_on IS NULL OR joined_on <= %(d)s)
GROUP BY floating_to ORDER BY 2 DESC, 1 LIMIT 20
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--runs", type=runs_argument, default=30, help="samples per figure (>= 30 for a p95)"
    )
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--import-rounds", type=int, default=2)
    parser.add_argument("--skip-concurrent", action="store_true")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=0, help="server processes (default: see --worker-class)"
    )
    parser.add_argument("--requests", type=int, default=25, help="per client")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads per server process (default clients/workers)",
    )
    parser.add_argument(
        "--server",
        choices=["gunicorn", "serve"],
        default="gunicorn",
        help="HTTP server for the concurrent run: gunicorn (the production server, gthread"
        " workers) or bench/serve.py (wsgiref with a thread pool)",
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="each client keeps its connection (default: a new connection per request; with"
        " keep-alive each client stays on one server process, which balanced worse here)",
    )
    http_arguments(parser)
    parser.add_argument(
        "--only",
        choices=["coverage", "members"],
        help="print only this part (coverage: no lists, no import; members: lists only)",
    )
    args = parser.parse_args()
    setup()
    print(machine_speed())
    from django.db import connection
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.roles import Role
    from lianjian.orgs.models import Member, PartyOrg, Region, Unit

    today = dt.date.today()
    districts = list(Region.objects.filter(level="district").order_by("pk"))
    district = districts[0]
    street = Region.objects.filter(level="street", district_ref=district).order_by("pk").first()
    assert street is not None

    def persona(name: str, role: str, region: Region) -> User:
        user, made = User.objects.get_or_create(
            username=name, defaults={"display_name": name, "must_change_password": False}
        )
        if made or not user.grants.exists():
            grant_add(user, role, region=region)
        return user

    # the import benchmark rolls back 100k inserted units; without a vacuum their dead
    # rows tripled the unit scans of the next run
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    admin = persona("bench_district", Role.DISTRICT_ADMIN, district)
    staff = persona("bench_street", Role.STREET_STAFF, street)
    print(
        f"dataset: {len(districts)} district(s), {Unit.objects.count():,} units, "
        f"{PartyOrg.objects.count():,} Party orgs, {Member.objects.count():,} members "
        f"({connection.vendor}, {args.runs} runs each)"
    )

    if args.only != "members":
        bench_coverage(admin, staff, district, street, today, args.runs)
    if args.only == "coverage":
        return

    print("member list in-process, sequential (Django test Client, no network)")
    api = Client()
    token = token_create(staff, "bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/members", **auth).status_code == 200
    line(
        "GET /api/v1/members (street staff, 20 rows)",
        *timed(lambda: api.get("/api/v1/members", **auth), args.runs),
    )
    # one token, made before timing (a token per request timed its insert and audit row)
    admin_auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(admin, 'bench')}"}
    line(
        "GET /api/v1/members (district admin)",
        *timed(lambda: api.get("/api/v1/members", **admin_auth), args.runs),
    )
    page = Client()
    page.force_login(staff)
    assert page.get("/orgs/members/").status_code == 200
    line(
        "GET /orgs/members/ page (street staff)",
        *timed(lambda: page.get("/orgs/members/"), args.runs),
    )
    admin_page = Client()
    admin_page.force_login(admin)
    line(
        "GET /orgs/members/ page (district admin)",
        *timed(lambda: admin_page.get("/orgs/members/"), args.runs),
    )

    check_member_plans(admin)

    if not args.skip_concurrent:
        workers = args.workers or default_workers(args.worker_class)
        threads = args.threads or max(1, args.clients // workers)
        bench_concurrent(
            staff,
            admin,
            args.clients,
            args.requests,
            workers,
            threads,
            args.server,
            keep_alive=args.keep_alive,
            load=args.load,
            redis_url=args.redis,
            worker_class=args.worker_class,
            port=args.port,
        )

    if not args.skip_import and args.only != "members":
        bench_import(args.import_rows, admin, district, args.import_rounds)


def http_arguments(parser: argparse.ArgumentParser) -> None:
    """The load generator and the server's cache, shared by run.py and needs_bench.py."""
    import shutil

    parser.add_argument(
        "--load",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator: wrk (C, Debian's package; the default when installed) or 16"
        " Python threads in this process (their own CPU competes with the server's)",
    )
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn workers: sync (default; 2 per CPU, one request each, behind nginx as"
        " deployed) or gthread (one process per CPU, --threads each)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="REDIS_URL for the server, as deployed (DESIGN.md); '' for a per-process cache",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the server's port on 127.0.0.1 (default: a free one)"
    )


def default_workers(worker_class: str) -> int:
    """gunicorn processes: two per CPU for sync workers (one waits on PostgreSQL while
    the other runs Python), one per CPU for threaded ones."""
    cpus = os.cpu_count() or 1
    return 2 * cpus if worker_class == "sync" else cpus


def check_member_plans(user: Any) -> None:
    """P1 plan regression on the real dataset: a district's page ids and count read the live index."""
    from django.db import connection

    from lianjian.orgs import selectors

    qs = selectors.members_filtered(user, {})
    queries = {
        # the page's ids (pages), and the bounded scan the API's ids and window count read
        "page ids": qs.order_by("-id").values("pk")[:20],
        "ids + count": qs.order_by("-pk").values_list("pk")[
            : 20 + selectors.MEMBER_COUNT_AHEAD + 1
        ],
    }
    for label, query in queries.items():
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        scan = next(step.strip(" ->") for step in plan if "Scan" in step).split("  (")[0]
        print(f"  plan of the district admin's {label:<14} {scan}")
        assert "_live_idx" in scan, plan


def _burst(
    url: str,
    headers: dict[str, str],
    clients: int,
    per_client: int,
    warmup: int = 3,
    keep_alive: bool = False,
) -> tuple[list[float], list[str], float]:
    """`clients` threads released together, each sending `per_client` GETs to `url`.

    Each request opens a new TCP connection (`Connection: close`), so the
    kernel spreads them over the server processes; with `keep_alive` each
    client reuses one connection and so stays on one process, which balanced
    the two processes worse here. An unmeasured round of `warmup` requests per client goes first: it reaches
    every server process and thread, so their first database connections and
    lazily built state (URL resolver, templates, schemas) are not timed as if
    they were the steady state of a running deployment.
    """
    import http.client
    import threading
    from urllib.parse import urlsplit

    assert url.startswith("http://127.0.0.1:")  # loopback only
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sent = {**headers, **({} if keep_alive else {"Connection": "close"})}
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def get(held: list[http.client.HTTPConnection]) -> None:
        if not held:
            held.append(http.client.HTTPConnection("127.0.0.1", parts.port, timeout=30))
        conn = held[0]
        try:
            conn.request("GET", target, headers=sent)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                with lock:
                    errors.append(str(response.status))
            if response.will_close:
                conn.close()
                held.clear()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            held.clear()
            with lock:
                errors.append(type(exc).__name__)

    def round_(count: int, record: bool) -> float:
        start_line = threading.Barrier(clients)

        def client() -> None:
            mine: list[float] = []
            held: list[http.client.HTTPConnection] = []
            start_line.wait()
            for _ in range(count):
                began = time.perf_counter()
                get(held)
                mine.append((time.perf_counter() - began) * 1000)
            for conn in held:
                conn.close()
            if record:
                with lock:
                    samples.extend(mine)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    round_(warmup, record=False)
    errors.clear()
    wall = round_(per_client, record=True)
    return samples, errors, wall


WRK_SECONDS = 15
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("FIGURES %.3f %.3f %d %.3f %d %d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests,
    summary.duration / 1e6, summary.errors.status, summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _wrk(
    url: str, headers: dict[str, str], clients: int, keep_alive: bool, status_ok: bool = False
) -> tuple[float, float, float, int]:
    """p50, p95 (ms), requests/s and errors of `clients` wrk connections for WRK_SECONDS
    (`status_ok`: 4xx/5xx answers are expected, as the anchor's 401s, not errors).

    wrk is C: the load generator takes a sliver of the 2 CPUs the server and
    PostgreSQL share, where 16 Python client threads took a fifth. A 3 s
    unmeasured run first reaches every server process and thread (their
    first connection and lazily built state are not the steady state).
    """
    import subprocess
    import tempfile

    assert url.startswith("http://127.0.0.1:")  # loopback only
    sent = {**headers, **({} if keep_alive else {"Connection": "close"})}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    # a 30 s timeout: wrk's default 2 s counted slow answers of a loaded machine as errors
    base = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", "--timeout", "30s", "-s", script.name]
    for name, value in sent.items():
        base += ["-H", f"{name}: {value}"]
    subprocess.run([*base, "-d3s", url], capture_output=True, check=True)
    out = subprocess.run(
        [*base, f"-d{WRK_SECONDS}s", url], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(script.name)
    line = next(row for row in out.splitlines() if row.startswith("FIGURES"))
    p50, p95, count, seconds, statuses, errors = line.split()[1:]
    failed = int(errors) + (0 if status_ok else int(statuses))
    return float(p50), float(p95), int(count) / float(seconds), failed


def bench_concurrent(
    staff: Any,
    admin: Any,
    clients: int,
    per_client: int,
    workers: int,
    threads: int,
    server_kind: str = "gunicorn",
    keep_alive: bool = False,
    load: str = "python",
    redis_url: str = "",
    worker_class: str = "sync",
    port: int = 0,
) -> None:
    """The P2 figures for the member list: its API for two personas and its page."""
    from django.conf import settings
    from django.test import Client

    from lianjian.accounts.services import token_create

    page_client = Client()
    page_client.force_login(staff)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={page_client.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    targets = [
        (
            "GET /api/v1/members (street staff, 20 rows)",
            "/api/v1/members",
            {"Authorization": f"Bearer {token_create(staff, 'bench')}"},
        ),
        (
            "GET /api/v1/members (district admin)",
            "/api/v1/members",
            {"Authorization": f"Bearer {token_create(admin, 'bench')}"},
        ),
        ("GET /orgs/members/ page (street staff)", "/orgs/members/", {"Cookie": cookie}),
    ]
    http_figures(
        "member list over HTTP (P2: API p95 <= 100 ms, page p95 <= 300 ms",
        targets,
        clients=clients,
        per_client=per_client,
        workers=workers,
        threads=threads,
        server_kind=server_kind,
        keep_alive=keep_alive,
        load=load,
        redis_url=redis_url,
        worker_class=worker_class,
        port=port,
    )


def http_figures(
    title: str,
    targets: list[tuple[str, str, dict[str, str]]],
    *,
    clients: int,
    per_client: int,
    workers: int,
    threads: int,
    server_kind: str = "gunicorn",
    keep_alive: bool = False,
    load: str = "python",
    redis_url: str = "",
    worker_class: str = "sync",
    port: int = 0,
) -> None:
    """P2 over HTTP: `clients` concurrent clients against a WSGI server on 127.0.0.1, per target.

    Each target's throughput is printed beside an anchor measured in the same
    server run, before and after the targets: the first target's path without
    credentials, which the API answers 401 after the middleware and no query.
    The anchor is what this machine, at this moment, can serve at all; the
    share of it a list API reaches is comparable across runs and machines
    where the bare req/s are not.

    The server (gunicorn as deployed, or `bench/serve.py`; Django's WSGI
    application, DEBUG off) is a separate process on the benchmark database,
    so the clients' own Python does not share its GIL. Each client sends
    `per_client` requests back to back (a bounded loop, no think time), all
    clients starting together; only loopback is used. Shared by the registry
    (`run.py`) and needs (`needs_bench.py`) benchmarks.
    """
    import socket
    import subprocess
    import sys
    import tempfile
    import urllib.error
    import urllib.request
    from pathlib import Path

    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DEBUG="false", LIANJIAN_ENV="development", ALLOWED_HOSTS="127.0.0.1")
    env["REDIS_URL"] = redis_url
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # its own database: no stale entries
    log_path = Path(tempfile.gettempdir()) / f"lianjian_bench_server_{port}.log"
    log = log_path.open("w")
    if server_kind == "gunicorn":
        # as deployed (DESIGN.md, docs/architecture.md): gunicorn processes on loopback
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "lianjian.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--worker-class={worker_class}",
            *([f"--threads={threads}"] if worker_class == "gthread" else []),
            "--backlog=256",
            "--log-level=warning",
        ]
    else:
        command = [
            sys.executable,
            str(Path(__file__).with_name("serve.py")),
            str(port),
            str(threads),
            str(workers),
        ]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # 4 workers import Django, the triage model and jieba: minutes on a loaded machine
        deadline = time.monotonic() + float(os.environ.get("BENCH_SERVER_START_S", "600"))
        while True:
            try:
                with urllib.request.urlopen(base + "/accounts/login/", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{server_kind} did not start, see {log_path}") from None
                time.sleep(0.3)
        amount = f"{WRK_SECONDS} s" if load == "wrk" else f"{per_client} requests"
        print(
            f"{title}; {clients} concurrent clients ({load}) x {amount}"
            f"{', keep-alive' if keep_alive else ', a new connection each'}; "
            f"{server_kind} on 127.0.0.1, {workers} {worker_class} process(es)"
            f"{f' x {threads} threads' if worker_class == 'gthread' else ''},"
            f" cache {'Redis' if redis_url else 'per process'})"
        )

        def measure(path: str, headers: dict[str, str], anchor: bool) -> tuple[Any, ...]:
            if load == "wrk":
                return _wrk(base + path, headers, clients, keep_alive, status_ok=anchor)
            samples, errors, wall = _burst(
                base + path, headers, clients, per_client, keep_alive=keep_alive
            )
            errors = [e for e in errors if not (anchor and e == "401")]
            if errors:
                print(f"    error statuses: {sorted(set(errors))}")
            return (*percentiles(samples), len(samples) / wall, len(errors))

        anchor_path = targets[0][1]
        try:
            urllib.request.urlopen(base + anchor_path, timeout=10)  # noqa: S310
            raise SystemExit(f"the anchor {anchor_path} answered without credentials")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401, exc.code
        anchors = [measure(anchor_path, {}, anchor=True)]
        rows = [(label, measure(path, headers, anchor=False)) for label, path, headers in targets]
        anchors.append(measure(anchor_path, {}, anchor=True))
        anchor_rate = statistics.mean(a[2] for a in anchors)
        for n, (p50, p95, rate, failed) in enumerate(anchors):
            label = f"anchor: {anchor_path} no credentials (401), {('before', 'after')[n]}"
            print(
                f"  {label:<52} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   "
                f"{rate:6.1f} req/s, {failed} errors"
            )
        for label, (p50, p95, rate, failed) in rows:
            print(
                f"  {label:<52} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   "
                f"{rate:6.1f} req/s = {rate / anchor_rate:4.0%} of the anchor, {failed} errors"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def bench_import(rows: int, user: Any, district: Any, rounds: int) -> None:
    from django.db import connection, transaction
    from openpyxl import Workbook, load_workbook

    from lianjian.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
    from lianjian.ledger.importer import import_ledger
    from lianjian.orgs.models import Region

    places = list(
        Region.objects.filter(district_ref=district, level="community").values_list(
            "street_ref__name", "name"
        )[:50]
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("单位台账")
    ws.append(
        [
            "单位名称",
            "统一社会信用代码",
            "单位类别",
            "所属行业",
            "从业人员数",
            "规模以上",
            "所在区域",
            "登记日期",
        ]
    )
    for n in range(rows):
        body, v = "", n
        for _ in range(9):
            body = CREDIT_CODE_ALPHABET[v % 31] + body
            v //= 31
        first17 = "91320000" + body
        street, community = places[n % len(places)]
        ws.append(
            [
                f"导入基准单位{n:06d}",
                first17 + credit_code_check_char(first17),
                "非公企业",
                "信息技术",
                10 + n % 300,
                "否",
                f"{street}/{community}",
                "2017-07-18",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    print(
        f"import of a {rows:,}-row unit ledger ({len(data) / 1048576:.1f} MB) (P4: <= 2x bare read)"
    )

    # bare read and import alternate, best of `rounds` each: on a shared machine a
    # single pair measured minutes apart compared two different loads
    # the import pauses the cyclic GC, which also speeds openpyxl's own parsing, so
    # the bare read is timed both ways and the import compared with the faster one
    bares: list[float] = []
    bares_paused: list[float] = []
    tooks: list[float] = []
    phases: dict[str, float] = {}
    for _ in range(rounds):
        for paused in (False, True):
            if paused:
                gc.disable()
            start = time.perf_counter()
            book = load_workbook(io.BytesIO(data), read_only=True)
            count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
            book.close()
            (bares_paused if paused else bares).append(time.perf_counter() - start)
            gc.enable()

        marks: dict[str, float] = {}
        start = time.perf_counter()

        def progress(
            phase: str, done: int, total: int, marks: dict[str, float] = marks, t0: float = start
        ) -> None:
            marks.setdefault(phase, time.perf_counter() - t0)

        with transaction.atomic():
            outcome = import_ledger(
                "units", data, user=user, file_name="bench.xlsx", progress=progress
            )
            took = time.perf_counter() - start
            transaction.set_rollback(True)  # leave the dataset as generated
        assert outcome.ok and outcome.created == rows, outcome.errors[:5]
        if not tooks or took < min(tooks):
            phases = marks
        tooks.append(took)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM orgs_unit")  # drop the rolled-back rows
    print(
        f"  openpyxl bare read (read_only, values_only)  {min(bares):6.1f} s  "
        f"({count / min(bares):,.0f} rows/s)  best of {rounds}"
    )
    print(
        f"  the same with the cyclic GC paused           {min(bares_paused):6.1f} s  "
        f"({count / min(bares_paused):,.0f} rows/s)  best of {rounds}"
    )
    bare, took = min(bares + bares_paused), min(tooks)
    print(
        f"  full import (check, read, validate, write)   {took:6.1f} s  ({rows / took:,.0f} rows/s)"
        f"  = {took / bare:.2f}x the faster bare read, best of {rounds}"
    )
    print("  phases: " + ", ".join(f"{k} from {v:.1f} s" for k, v in phases.items()))


def bench_coverage(
    admin: Any, staff: Any, district: Any, street: Any, today: dt.date, runs: int
) -> None:
    """The P3 figures: coverage report parts for a street and a district, and hand SQL."""
    from django.db import connection

    from lianjian.orgs import coverage

    print(
        "coverage report (P3: district <= 100 ms, city <= 1 s, <= 2x hand SQL); each ORM"
        f" figure and its hand SQL timed in {max(runs, 30)} alternating pairs"
    )

    # no report spans more than one district (the top of the region tree), so at
    # city scale the figures are a district's and a street's among ten districts
    def hand(where: str, params: dict[str, Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(HAND_SQL.format(where=where), {"d": today, **params})
                return cursor.fetchone()

        return run

    def pair_lines(label: str, pair: Pair) -> None:
        line(f"{label}: ORM", *pair.a)
        line(f"{label}: hand-written SQL", *pair.b)

    ratios = []
    street_pair = paired(
        lambda: coverage.figures(staff, street, today),
        hand("u.street_id = %(r)s", {"r": street.pk}),
        runs,
    )
    pair_lines("street figures (one aggregate)", street_pair)
    ratios.append(("street", street_pair))
    line(
        "street: full report (figures+breakdowns+floating)",
        *timed(lambda: coverage.coverage_report(staff, street, today), runs),
    )
    district_pair = paired(
        lambda: coverage.figures(admin, district, today),
        hand("u.district_id = %(r)s", {"r": district.pk}),
        runs,
    )
    pair_lines("district figures (one aggregate)", district_pair)
    ratios.append(("district", district_pair))
    line(
        "district: 12-month trend (report page chart)",
        *timed(lambda: coverage.coverage_trend(admin, district, today), runs),
    )
    orm_vals = coverage.figures(admin, district, today)
    hand_vals = hand("u.district_id = %(r)s", {"r": district.pk})()
    hand_keys = (
        "liangxin",
        "liangxin_covered",
        "excluded_individual",
        "excluded_team",
        "above_scale",
        "above_scale_covered",
        "no_member",
        "work_covered",
        "work_uncovered",
        "violations",
        "members_no_org",
    )
    assert [orm_vals[k] for k in hand_keys] == list(hand_vals), (orm_vals, hand_vals)
    for label, pair in ratios:
        print(
            f"  ratio ORM / hand SQL, {label:<10} {pair.ratio:5.2f}x  median of {pair.samples}"
            " pairs (same figures: checked)"
        )

    def hand_report() -> list[Any]:
        params = {"d": today, "r": district.pk}
        with connection.cursor() as cursor:
            cursor.execute(HAND_REPORT_SQL.format(where="u.district_id = %(r)s"), params)
            rows = cursor.fetchall()
            cursor.execute(HAND_FLOATING_SQL.format(where="district_id = %(r)s"), params)
            return [rows, cursor.fetchall()]

    full = paired(lambda: coverage.coverage_report(admin, district, today), hand_report, runs)
    pair_lines("district full report", full)
    report = coverage.coverage_report(admin, district, today)
    rows, _ = hand_report()
    lx = {"private_enterprise", "social_org"}
    streets: dict[Any, list[int]] = {}
    for marker, street_id, _industry, kind, covered, violation, *_, n in rows:
        if marker == 1 and street_id is not None:  # the place set
            sums = streets.setdefault(str(street_id), [0, 0, 0])
            sums[0] += n if kind in lx else 0
            sums[1] += n if kind in lx and covered else 0
            sums[2] += n if violation else 0
    assert streets == {
        r["key"]: [r["liangxin"], r["covered"], r["violations"]]
        for r in report["breakdowns"]["street"]
    }, streets
    formation = {
        "single": sum(r[-1] for r in rows if r[0] == 3 and r[3] in lx and r[6]),
        "joint": sum(r[-1] for r in rows if r[0] == 3 and r[3] in lx and r[7]),
    }
    assert formation == {
        r["key"]: r["covered"] for r in report["breakdowns"]["formation"] if r["key"] in formation
    }, formation
    print(
        f"  ratio ORM / hand SQL, full report {full.ratio:5.2f}x  median of {full.samples} pairs"
        " (same street and formation rows: checked)"
    )


if __name__ == "__main__":
    main()
