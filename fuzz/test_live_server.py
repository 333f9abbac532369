"""Schemathesis' own runner, every check on, against the API served over HTTP (R3, S8).

`test_api_fuzz.py` drives schemathesis in process, per operation, with the
object-level checks written out for writes. This test runs the command line
a client's CI would run, `schemathesis run --checks all`, against the
project served on a local port by Django's own development server classes:
status codes, content types, headers and response bodies conform to the
spec, unsupported methods answer 405, no operation ignores missing
credentials (`ignored_auth`), created objects stay readable
(`ensure_resource_availability`, `use_after_free`), and neither of two
sibling streets' staff (the two identities) reads what only the other may
see (`object_level_authorization`).

The server handles each request in the test's own thread, on the test's
database connection and transaction (as `test_api_fuzz.py` does through
WSGI): the fuzz world needs no commit and the run leaves nothing behind,
on SQLite as on PostgreSQL.

`LIANJIAN_FUZZ_EXAMPLES` sets the examples per operation (default 10) and
`LIANJIAN_FUZZ_PHASES` the phases (default `fuzzing,stateful`; add
`coverage` for schemathesis' boundary-value phase, about ten times longer).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import signals
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import close_old_connections
from django.test import Client

from fuzz.conftest import EXAMPLES, FuzzWorld
from lianjian.wsgi import application

PHASES = os.environ.get("LIANJIAN_FUZZ_PHASES", "fuzzing,stateful")
CONFIG = Path(__file__).with_name("schemathesis.toml")
TIMEOUT = 900

# schemathesis' whole CLI run over HTTP: CI's PostgreSQL stage runs it (.ci/run)
pytestmark = pytest.mark.slow


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # thousands of requests; failures are in schemathesis' report


@pytest.fixture
def peers(fuzz_world: FuzzWorld) -> dict[str, str]:
    """Bearer tokens of the two sibling streets' staff: each may see only its own street."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import token_create

    staff_b = User.objects.get(username="street_staff_b")
    return {"hongqiao": fuzz_world.token, "chengjiaqiao": token_create(staff_b, "fuzz")}


def _serve_until_done(server: WSGIServer, process: subprocess.Popen[bytes]) -> None:
    """Answer requests here, in the test's thread, until schemathesis exits."""
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"schemathesis did not finish within {TIMEOUT} s")
        server.handle_request()  # returns after `server.timeout` when nothing came


@contextlib.contextmanager
def _connection_kept() -> Iterator[None]:
    """Keep the test's connection open across served requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and finishes: once
    CONN_MAX_AGE has passed, that closes the test's own connection inside its transaction.
    SQLite's in-memory database ignores the close, PostgreSQL's does not (every request
    after the first minute, CONN_MAX_AGE, failed with "the connection is closed"). Entered
    only around the serving: Django's test client, which fetches the spec, connects the
    receivers again after each of its requests.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_schemathesis_run_with_every_check_finds_nothing(
    peers: dict[str, str], tmp_path: Path
) -> None:
    wfc = tmp_path / "auth.json"
    wfc.write_text(
        json.dumps(
            {
                "auth": [
                    {
                        "name": name,
                        "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}],
                    }
                    for name, token in peers.items()
                ]
            }
        ),
        encoding="utf-8",
    )
    server = WSGIServer(("127.0.0.1", 0), _QuietHandler, ipv6=False)
    server.set_app(application)
    server.timeout = 0.2
    # The spec is read here, through the application, and handed over as a file: built on
    # a busy machine it takes longer than schemathesis waits for it (10 s, not configurable).
    spec = tmp_path / "openapi.json"
    spec.write_bytes(Client().get("/api/v1/openapi.json").content)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(spec),
        "--url",
        url,
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--auth-wfc",
        str(wfc),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20260301",  # the same cases on every run: CI stays stable
        "--workers",
        "1",  # one request at a time: the server answers in this thread
        "--request-timeout",
        "30",
    ]
    log = tmp_path / "schemathesis.txt"
    # thousands of refusals, each a WARNING naming a generated path (some look like mobile
    # numbers to the personal-data guard); errors (5xx) are still logged, and fail the run
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - this interpreter, the pinned schemathesis
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,  # its cache stays there
            )
            with _connection_kept():
                _serve_until_done(server, process)
    finally:
        server.server_close()
        request_log.setLevel(level)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, output[-15000:]
    # every operation of the spec was tested, and no failure was reported
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested, output[-5000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), output[-5000:]
    assert re.search(r"\d+ generated, (\d+) passed", output), output[-5000:]
    assert "failures" not in output.rsplit("SUMMARY", 1)[-1], output[-5000:]
