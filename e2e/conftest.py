"""Browser tests against a real server: `lianjian runserver` on a throw-away SQLite database.

The server runs in a subprocess with its own var dir, migrated and loaded
with the demo district, so the tests see exactly what `bash scripts/run.sh`
shows. It always uses SQLite, even when the suite itself runs on PostgreSQL.

Chromium is Debian's (/usr/bin/chromium). Without it the tests are skipped
on a developer's machine but FAIL in CI (CI=true): a browser suite that
silently does not run is worse than a red build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LIANJIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "E2e-Demo-Pass-2026"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# migrate + demo; a shared machine under load may need more (LIANJIAN_E2E_SETUP_SECONDS)
SETUP_TIMEOUT = int(os.environ.get("LIANJIAN_E2E_SETUP_SECONDS", "600"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # one worker runs every browser test (with --dist loadgroup), so only one
    # server and one browser start
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@dataclass
class DemoServer:
    url: str
    db_path: Path

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database directly (read-only) to find ids for the tests."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return list(conn.execute(sql, params))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: Path, db_path: Path) -> dict[str, str]:
    # PYTEST_VERSION would switch the server's settings to the test environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        LIANJIAN_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{db_path}",
        LIANJIAN_ENV="development",
        DEBUG="false",
        FAST_PASSWORD_HASHER="1",
        LIANJIAN_DEMO_PASSWORD=DEMO_PASSWORD,
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        # the district's unit list (the demo ledger) becomes a background export
        EXPORT_SYNC_MAX_ROWS="1000",
    )
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="session")
def chromium() -> str:
    """Checked before the server starts, so a missing browser costs no time."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / "var" / "test-cache"


def _source_key() -> str:
    """A hash of everything the demo database is built from: the code, migrations and
    data files of the platform (not its tests), the demo's settings and today's date
    (the demo dates its rows from today: deadlines, overdue needs, this month's figures)."""
    digest = hashlib.sha256(f"{DEMO_PASSWORD} {dt.date.today().isoformat()}".encode())
    package = REPO / "lianjian"
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "tests" in path.parts or "__pycache__" in path.parts:
            continue
        if path.suffix not in {".py", ".json", ".txt", ".csv"}:
            continue
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _build_demo_var(var_dir: Path, db_path: Path, env: dict[str, str], cli: str) -> None:
    for step in (["migrate", "-v0"], ["demo"]):
        done = subprocess.run(
            [cli, *step],
            env=env,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, f"lianjian {step[0]} failed:\n{done.stdout}\n{done.stderr}"


def _demo_var(var_dir: Path, db_path: Path, env: dict[str, str], cli: str) -> None:
    """The migrated demo district in `var_dir`, built once per source state.

    `migrate` and `demo` take about a minute; their result (database, the
    development secrets that encrypt its ID numbers, media) is kept under
    var/test-cache/ keyed by a hash of the platform's code, and copied for each
    session. Any change to the code, a migration or the demo builds it afresh.
    Set LIANJIAN_TEST_CACHE=0 to always build.
    """
    if os.environ.get("LIANJIAN_TEST_CACHE") == "0":
        _build_demo_var(var_dir, db_path, env, cli)
        return
    cached = CACHE_DIR / f"e2e-demo-{_source_key()}"
    if not cached.is_dir():
        _build_demo_var(var_dir, db_path, env, cli)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for old in CACHE_DIR.glob("e2e-demo-*"):
            shutil.rmtree(old, ignore_errors=True)  # one state kept: the current one
        staging = Path(tempfile.mkdtemp(dir=CACHE_DIR, prefix=".staging-"))
        with sqlite3.connect(db_path) as source, sqlite3.connect(staging / db_path.name) as copy:
            source.backup(copy)  # consistent whatever the WAL holds
        for item in var_dir.iterdir():
            if item.name.startswith(db_path.name):
                continue
            if item.is_dir():
                shutil.copytree(item, staging / item.name)
            else:
                shutil.copy2(item, staging / item.name)
        try:
            staging.rename(cached)
        except OSError:  # another session cached it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
        return
    shutil.copytree(cached, var_dir, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def demo_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    db_path = var_dir / "e2e.sqlite3"
    env = _server_env(var_dir, db_path)
    cli = str(Path(sys.executable).with_name("lianjian"))
    _demo_var(var_dir, db_path, env, cli)
    port = _free_port()
    log_path = var_dir / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [cli, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited early:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url + "/accounts/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield DemoServer(url=url, db_path=db_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Module scope on purpose: Playwright's sync API keeps an event loop marked as
    running while it is open, which Django's async-safety check would trip over
    in database tests that run later in the same worker."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; a failing test leaves a screenshot in artifacts/."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
        if request.node.stash.get(_CALL_FAILED, False):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def login(page: Any, server: DemoServer, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
