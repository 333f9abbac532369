"""SQLite never answers "database is locked" under concurrent work (QUALITY.md R1/R6, DESIGN.md 9).

A short run of `bench/sqlite_stress.py` on a file database: the real task
worker process runs a background export while, in threads of a second
process, small ledgers are imported, pages and API lists are read (each
request writing its session) and the needs tick is queued. Any exception,
5xx, failed or unfinished job, failed task or "database is locked" in the
worker's log counts. Before the fix the export's progress write, made while
its read was still open, failed at once, its failure could not be recorded
either, and the worker exited with the job left running.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def migrated_file_db(tmp_path: Path, transactional_db: Any) -> Path:
    """The (migrated, empty) test database copied into a file, so no migrate is needed.

    Outside a test transaction: SQLite's backup waits for a lock a transaction would hold.
    """
    if connection.vendor != "sqlite":
        pytest.skip("an SQLite test")
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "stress.sqlite3")
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return tmp_path


def test_worker_export_imports_and_page_views_at_once_see_no_locked_database(
    migrated_file_db: Path,
) -> None:
    command = [sys.executable, str(REPO / "bench" / "sqlite_stress.py")]
    command += ["--seconds", "4", "--rows", "3000", "--viewers", "2", "--big-every", "0"]
    command += [
        "--threads",
        "--dir",
        str(migrated_file_db),
        "--migrated",
        "--json",
        "--grace",
        "30",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)  # noqa: S603
    printed = run.stdout.strip().splitlines()
    result = json.loads(printed[-1])
    summary = "\n".join(printed[:-1]) + run.stderr[-2000:]
    assert result["errors"] == 0, summary
    assert run.returncode == 0, summary
    done = {t["role"]: t["ops"] for t in result["tallies"]}
    # every role really ran, and the export really went through the worker
    assert done["exporter"] >= 1 and done["importer"] >= 1, summary
    assert done["viewer 1"] >= 5 and done["viewer 2"] >= 5, summary
    assert result["state"]["exports"] >= 1, summary
    assert result["state"]["tasks"].get("SUCCESSFUL", 0) >= 2, summary  # export + ticks
