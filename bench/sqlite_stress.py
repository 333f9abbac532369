"""SQLite under load: the task worker, a large export, small imports and page views at once.

QUALITY.md R6 / DESIGN.md rule 9: on the embedded SQLite database no user and
no worker may ever see "database is locked". This script builds a fresh file
database (never the development one), seeds a district with `--rows` units
(25,000 by default, so the unit list export runs as a background job), starts
the real task worker (`lianjian db_worker`) and, for `--seconds`, runs together:

- an exporter: asks for the unit list export, polls its job page until done;
- importers: upload a small unit ledger (in the request) again and again, and
  every `--big-every`-th time a ledger large enough to be queued for the worker;
- viewers: open list pages, the dashboard and the API;
- a ticker: queues the needs reminder/escalation tick every two seconds.

Each role runs in its own process (or `--threads`: in threads of one process,
the worker still its own process). Every exception, 5xx answer, failed job,
job left unfinished, failed task and "database is locked" line in the worker's
log counts as an error. It prints the operations and errors of each role and
the totals; the target is 0 errors. Exit status 1 when any error was seen.

    python bench/sqlite_stress.py                 # 60 s, 25k units, processes
    python bench/sqlite_stress.py --seconds 5 --rows 3000 --threads

Needs no PostgreSQL; `lianjian/core/tests/test_sqlite_load.py` runs a short
version of it in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ADMIN = "stress_admin"
# how long a job started before the deadline may take to finish after it (--grace)
GRACE_SECONDS = 120.0


def environment(db_path: Path, var_dir: Path, sync_rows: int) -> dict[str, str]:
    """The environment of every process: a private file database and development settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "REDIS_URL", "DATABASE_URL", "TEST_DATABASE_NAME"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        LIANJIAN_VAR_DIR=str(var_dir),
        LIANJIAN_ENV="development",
        DEBUG="false",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        FAST_PASSWORD_HASHER="1",  # noqa: S106 (a switch, not a password)
        LOG_LEVEL="WARNING",
        EXPORT_SYNC_MAX_ROWS=str(sync_rows),
        DJANGO_SETTINGS_MODULE="lianjian.settings",
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    return env


def django_setup() -> None:
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# ---------------------------------------------------------------- seed


def seed(rows: int) -> None:
    """A district, one street, `rows` units in it and a district admin."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import Region, Unit, UnitKind
    from lianjian.orgs.services import region_create
    from lianjian.orgs.tests.factories import make_credit_code

    district = region_create(name="长宁区", level=Region.Level.DISTRICT)
    street = region_create(name="虹桥街道", level=Region.Level.STREET, parent=district)
    Unit.objects.bulk_create(
        (
            Unit(
                name=f"压力测试单位{i:06d}",
                kind=UnitKind.PRIVATE_ENTERPRISE,
                credit_code=make_credit_code(i + 1),
                industry="信息技术",
                employees=10,
                region=street,
                district=district,
                street=street,
            )
            for i in range(rows)
        ),
        batch_size=2000,
    )
    user = User(username=ADMIN, display_name="压力测试", must_change_password=False)
    user.set_unusable_password()
    user.save()
    grant_add(user, Role.DISTRICT_ADMIN, region=district)


# ---------------------------------------------------------------- roles


class Tally:
    def __init__(self, role: str) -> None:
        self.role = role
        self.ops = 0
        self.errors = 0
        self.samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(what[:300])

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "ops": self.ops, "errors": self.errors, "samples": self.samples}


def _client() -> Any:
    from django.test import Client

    from lianjian.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=ADMIN))
    for url in ("/", "/orgs/ledger/"):  # modules and templates loaded before the clock starts
        client.get(url)
    return client


def _guarded(tally: Tally, what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # every failure counts; the run goes on
        tally.error(f"{what}: {type(exc).__name__}: {exc}")
        return None


def _wait_for(model: Any, pk: int, client: Any, url: str, tally: Tally, until: float) -> None:
    """Poll a job's page (each poll is a page view) until the job is done or time is up."""
    while True:
        response = _guarded(tally, url, lambda: client.get(url, headers={"HX-Request": "true"}))
        if response is not None and response.status_code >= 500:
            tally.error(f"{url}: HTTP {response.status_code}")
        job = model.objects.get(pk=pk)
        if job.is_done:
            if job.status != "succeeded":
                tally.error(f"job {model.__name__} {pk}: {job.status} {job.message}")
            return
        if time.monotonic() > until:
            tally.error(f"job {model.__name__} {pk} still {job.status} after the grace period")
            return
        time.sleep(0.25)


def role_exporter(seconds: float) -> Tally:
    from lianjian.ledger.models import ExportJob

    tally = Tally("exporter")
    client = _client()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = _guarded(tally, "export", lambda: client.get("/orgs/ledger/export/units/"))
        if response is None:
            continue
        if response.status_code != 302 or "/exports/" not in response["Location"]:
            tally.error(f"export: expected a background job, got HTTP {response.status_code}")
            time.sleep(1)
            continue
        pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        url = f"/orgs/ledger/exports/{pk}/"
        _wait_for(ExportJob, pk, client, url, tally, deadline + GRACE_SECONDS)
        tally.ops += 1
    return tally


def _ledger(rows: int) -> bytes:
    """The first `rows` seeded units as a unit ledger (an export re-imports as it is)."""
    from lianjian.ledger import exporter
    from lianjian.orgs.models import Unit

    qs = Unit.objects.filter(name__startswith="压力测试单位").order_by("pk")[:rows]
    ids = list(qs.values_list("pk", flat=True))
    handle = exporter.export_list("units", Unit.objects.filter(pk__in=ids).order_by("pk"))
    return exporter.read_bytes(handle)


def role_importer(seconds: float, big_every: int) -> Tally:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianjian.ledger.jobs import SYNC_MAX_BYTES
    from lianjian.ledger.models import ImportJob

    tally = Tally("importer")
    client = _client()
    small = _ledger(5)
    big = b""
    if big_every:
        rows = 3000
        big = _ledger(rows)
        while len(big) <= SYNC_MAX_BYTES and rows < 50_000:
            rows *= 2
            big = _ledger(rows)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        data = big if big_every and n % big_every == 0 else small
        form = {"file": SimpleUploadedFile("单位台账.xlsx", data)}
        response = _guarded(
            tally,
            "import",
            lambda: client.post("/orgs/ledger/import/units/", form),  # noqa: B023
        )
        if response is None:
            continue
        if response.status_code != 302:
            tally.error(f"import: HTTP {response.status_code}")
            continue
        pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        _wait_for(
            ImportJob, pk, client, f"/orgs/ledger/jobs/{pk}/", tally, deadline + GRACE_SECONDS
        )
        tally.ops += 1
        time.sleep(0.1)
    return tally


VIEWER_PAGES = (
    "/",
    "/orgs/units/",
    "/orgs/units/?q=压力测试单位0001",
    "/orgs/ledger/",
    "/orgs/regions/",
    "/needs/",
    "/api/v1/units?page=2",
    "/api/v1/regions",
)


def role_viewer(seconds: float, index: int) -> Tally:
    tally = Tally(f"viewer {index}")
    client = _client()
    deadline = time.monotonic() + seconds
    n = index
    while time.monotonic() < deadline:
        url = VIEWER_PAGES[n % len(VIEWER_PAGES)]
        n += 1
        response = _guarded(tally, url, lambda: client.get(url))  # noqa: B023
        if response is None:
            continue
        if response.status_code >= 500:
            tally.error(f"{url}: HTTP {response.status_code}")
        tally.ops += 1
    return tally


def role_ticker(seconds: float) -> Tally:
    from lianjian.needs.tasks import needs_tick_task

    tally = Tally("ticker")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _guarded(tally, "enqueue needs tick", needs_tick_task.enqueue) is not None:
            tally.ops += 1
        time.sleep(2)
    return tally


def run_role(role: str, seconds: float, index: int, big_every: int) -> Tally:
    from django.db import connection

    try:
        if role == "exporter":
            return role_exporter(seconds)
        if role == "importer":
            return role_importer(seconds, big_every)
        if role == "viewer":
            return role_viewer(seconds, index)
        if role == "ticker":
            return role_ticker(seconds)
        raise SystemExit(f"unknown role {role}")
    finally:
        connection.close()


# ---------------------------------------------------------------- final state


def final_state() -> dict[str, Any]:
    """What the database says once the load is over: tasks and jobs left behind."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from lianjian.ledger.models import ExportJob, ImportJob

    tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")))
    failed = list(
        DBTaskResult.objects.filter(status="FAILED").values_list(
            "task_path", "exception_class_path"
        )[:5]
    )
    unfinished = ExportJob.objects.filter(status__in=["queued", "running"]).count()
    unfinished += ImportJob.objects.filter(status__in=["queued", "running"]).count()
    return {
        "tasks": tasks,
        "failed_tasks": [f"{p}: {e}" for p, e in failed],
        "unfinished_jobs": unfinished,
        "exports": ExportJob.objects.filter(status="succeeded").count(),
        "imports": ImportJob.objects.filter(status="succeeded").count(),
    }


def wait_for_queue(seconds: float) -> None:
    """Let the worker finish what was queued (a tick queued in the last second, a late import)."""
    from django_tasks_db.models import DBTaskResult

    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            return
        time.sleep(0.5)


# ---------------------------------------------------------------- orchestration


def _python(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], env=env, cwd=str(REPO), **kw)


def _roles(args: argparse.Namespace) -> list[tuple[str, int]]:
    roles = [("exporter", 0), ("ticker", 0)]
    roles += [("importer", i + 1) for i in range(args.importers)]
    roles += [("viewer", i + 1) for i in range(args.viewers)]
    return roles


def main(argv: list[str] | None = None) -> int:
    global GRACE_SECONDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rows", type=int, default=25_000, help="units seeded and exported")
    parser.add_argument("--viewers", type=int, default=2)
    parser.add_argument("--importers", type=int, default=1)
    parser.add_argument("--big-every", type=int, default=5, help="every n-th import is queued")
    parser.add_argument("--grace", type=float, default=GRACE_SECONDS, help="s for late jobs")
    parser.add_argument("--threads", action="store_true", help="roles as threads of one process")
    parser.add_argument("--dir", help="work here (kept) instead of a temporary directory")
    parser.add_argument("--migrated", action="store_true", help="--dir holds a migrated db")
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    # internal: one role in a child process
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    GRACE_SECONDS = args.grace
    if args.role:  # a child process
        django_setup()
        if args.role == "seed":
            seed(args.rows)
            return 0
        if args.role == "final":
            wait_for_queue(GRACE_SECONDS)
            Path(args.result).write_text(json.dumps(final_state()))
            return 0
        tally = run_role(args.role, args.seconds, args.index, args.big_every)
        Path(args.result).write_text(json.dumps(tally.as_dict()))
        return 0

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="lianjian-stress-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return orchestrate(args, work)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


def orchestrate(args: argparse.Namespace, work: Path) -> int:
    db = work / "stress.sqlite3"
    # a list of `rows` units must go to the worker: the sync limit sits below it
    env = environment(db, work, sync_rows=max(1, min(20_000, args.rows // 2)))
    script = str(Path(__file__).resolve())
    started = time.monotonic()
    if not args.migrated:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "lianjian.cli", "migrate", "-v0"],
            env=env,
            cwd=str(REPO),
            check=True,
            stderr=subprocess.DEVNULL,
        )
    if args.threads:  # everything but the worker in this process
        os.environ.update(env)
        django_setup()
        seed(args.rows)
    else:
        seed_cmd = [sys.executable, script, "--role", "seed", "--rows", str(args.rows)]
        subprocess.run(seed_cmd, env=env, check=True)
    prepared = time.monotonic() - started

    log_path = work / "worker.log"
    with open(log_path, "wb") as log:
        worker = _python(
            "-m", "lianjian.cli", "db_worker", "--no-reload", "--no-startup-delay",
            "--interval", "0.2",
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            tallies = run_load(args, env, script, work)
            worker_exited = worker.poll()
            state = _final(args, env, script, work)
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
    log_text = log_path.read_text(errors="replace")
    return report(args, tallies, state, log_text, worker_exited, prepared)


def run_load(
    args: argparse.Namespace, env: dict[str, str], script: str, work: Path
) -> list[dict[str, Any]]:
    roles = _roles(args)
    if args.threads:
        results: list[dict[str, Any]] = []

        def run(role: str, index: int) -> None:
            results.append(run_role(role, args.seconds, index, args.big_every).as_dict())

        threads = [threading.Thread(target=run, args=r) for r in roles]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results
    children = []
    for role, index in roles:
        result = work / f"{role}-{index}.json"
        cmd = [script, "--role", role, "--index", str(index), "--result", str(result)]
        cmd += ["--seconds", str(args.seconds), "--big-every", str(args.big_every)]
        cmd += ["--grace", str(args.grace)]
        children.append((_python(*cmd, env=env), result, role, index))
    out = []
    for child, result, role, index in children:
        code = child.wait()
        if code != 0 or not result.exists():
            out.append(
                {"role": f"{role} {index}", "ops": 0, "errors": 1, "samples": [f"exit {code}"]}
            )
        else:
            out.append(json.loads(result.read_text()))
    return out


def _final(
    args: argparse.Namespace, env: dict[str, str], script: str, work: Path
) -> dict[str, Any]:
    if args.threads:
        wait_for_queue(GRACE_SECONDS)
        return final_state()
    result = work / "final.json"
    subprocess.run(
        [
            sys.executable,
            script,
            "--role",
            "final",
            "--result",
            str(result),
            "--grace",
            str(args.grace),
        ],
        env=env,
        check=True,
    )
    return dict(json.loads(result.read_text()))


def report(
    args: argparse.Namespace,
    tallies: list[dict[str, Any]],
    state: dict[str, Any],
    log_text: str,
    worker_exited: int | None,
    prepared: float,
) -> int:
    mode = "threads of one process" if args.threads else "one process each"
    print(
        f"SQLite stress: {args.seconds:g} s, {args.rows:,} units exported per run; task worker, "
        f"1 exporter, {args.importers} importer(s), {args.viewers} viewer(s), needs ticker ({mode}); "
        f"set-up {prepared:.1f} s"
    )
    errors = 0
    operations = 0
    for t in sorted(tallies, key=lambda t: t["role"]):
        errors += t["errors"]
        operations += t["ops"]
        print(f"  {t['role']:<11} operations {t['ops']:>6}   errors {t['errors']}")
        for sample in t["samples"]:
            print(f"      {sample}")
    locked = log_text.count("database is locked")
    tracebacks = log_text.count("Traceback")
    tasks = state["tasks"]
    failed = int(tasks.get("FAILED", 0))
    left = int(tasks.get("READY", 0)) + int(tasks.get("RUNNING", 0))
    print(
        f"  worker      tasks succeeded {tasks.get('SUCCESSFUL', 0)}, failed {failed}, "
        f"left queued/running {left}; 'database is locked' in its log {locked}, "
        f"tracebacks {tracebacks}; exited during the run: "
        + ("no" if worker_exited is None else f"yes (exit {worker_exited})")
    )
    for sample in state["failed_tasks"]:
        print(f"      {sample}")
    print(
        f"  jobs        exports done {state['exports']}, imports done {state['imports']}, "
        f"left queued/running {state['unfinished_jobs']}"
    )
    errors += locked + tracebacks + failed + left + state["unfinished_jobs"]
    errors += 0 if worker_exited is None else 1
    operations += int(tasks.get("SUCCESSFUL", 0))
    print(f"errors: {errors}   operations: {operations}")
    if args.json:
        print(
            json.dumps(
                {"errors": errors, "operations": operations, "tallies": tallies, "state": state}
            )
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
