"""The system health page and API, and SQLite's settings as every connection really has them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.utils import timezone

from lianjian.core.health import database_info
from lianjian.core.models import ScheduledRun, WorkerHeartbeat
from lianjian.ledger.models import ExportJob

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 403),
        ("street_staff", 403),
        ("secretary_a1", 403),
        ("audit_admin", 403),
        ("district_admin", 200),
        ("system_admin", 200),
    ],
)
def test_who_may_see_the_health_page_and_api(
    persona: str, status: int, personas: Any, tree: Any, client_for: Any
) -> None:
    from conftest import _persona
    from lianjian.core.roles import Role

    user = (
        _persona("sysadmin", Role.SYSTEM_ADMIN, region=tree.district)
        if persona == "system_admin"
        else getattr(personas, persona)
    )
    client = client_for(user)
    assert client.get("/system/health/").status_code == status
    api = client.get("/api/v1/system/health")
    assert api.status_code == status
    assert api["Content-Type"].startswith("application/json")


def test_the_page_shows_a_lost_worker_the_queue_stale_jobs_and_the_tick(
    personas: Any, client_for: Any, settings: Any
) -> None:
    from lianjian.needs.tasks import needs_tick_recorded, needs_tick_task

    settings.TASKS = DB_TASKS
    settings.JOB_STALE_SECONDS = 120
    t0 = timezone.now()
    WorkerHeartbeat.objects.create(
        name="w1", host="web-1", pid=4242, started_at=t0, beat_at=t0, task="x.y", task_started_at=t0
    )
    job = ExportJob.objects.create(
        user=personas.street_staff,
        kind="units",
        params={},
        status="running",
        worker="w1",
        beat_at=t0,
    )
    with time_machine.travel(t0, tick=False):
        needs_tick_recorded()
    with time_machine.travel(t0 + dt.timedelta(minutes=20), tick=False):
        needs_tick_task.enqueue()
        needs_tick_task.enqueue()
        page = client_for(personas.district_admin).get("/system/health/").content.decode()
        data = client_for(personas.district_admin).get("/api/v1/system/health").json()
    assert "web-1:4242" in page and "失联" in page
    assert "没有正在运行的后台任务进程，最近一次心跳在 20 分钟前" in page
    assert 'id="queue-ready">2' in page
    assert f"#{job.pk}" in page and "进程失联" in page
    assert "需求提醒、逾期升级与自动办结" in page and "提醒 0 件，升级 0 件，自动办结 0 件" in page
    assert "需求提醒、逾期升级与自动办结已 20 分钟未运行" in page  # every 5 min: overdue
    assert data["ok"] is False and data["worker_alive"] is False
    assert (
        data["workers"][0]["state"] == "lost" and data["workers"][0]["seconds_since_beat"] == 1200
    )
    assert data["queue"]["ready"] == 2 and data["queue"]["uses_worker"] is True
    assert [j["id"] for j in data["stale_jobs"]] == [job.pk]
    assert data["ticks"][0]["name"] == "needs_tick" and data["ticks"][0]["ok"] is True
    assert data["ticks"][0]["overdue"] is True


def test_a_healthy_system_reads_ok(personas: Any, client_for: Any, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="w1", host="web-1", pid=1, started_at=now, beat_at=now)
    ScheduledRun.objects.create(name="needs_tick", started_at=now, finished_at=now, ok=True)
    data = client_for(personas.district_admin).get("/api/v1/system/health").json()
    assert data["problems"] == [] and data["ok"] is True
    assert data["workers"][0]["state"] == "alive"
    page = client_for(personas.district_admin).get("/system/health/").content.decode()
    assert 'id="health-ok"' in page


def test_the_health_route_is_typed_in_the_openapi_spec(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/system/health"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    health = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert {"workers", "queue", "stale_jobs", "ticks", "database"} <= set(health["required"])
    worker = spec["components"]["schemas"]["WorkerOut"]
    assert worker["properties"]["state"]["enum"] == ["alive", "stopped", "lost"]


# ---------------------------------------------------------------- SQLite as configured


@pytest.fixture
def probe(tmp_path: Path, db: Any) -> Any:
    """A connection to a file database with the project's SQLite settings, as the worker's."""
    if connection.vendor != "sqlite":
        pytest.skip("an SQLite test")
    from django.db.backends.sqlite3.base import DatabaseWrapper

    base = django_settings.DATABASES["default"]
    wrapper = DatabaseWrapper({**base, "NAME": str(tmp_path / "probe.sqlite3")}, alias="probe")
    connections["probe"] = wrapper
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x INTEGER)")
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections["probe"]


def other_writer(path: str) -> str:
    """Whether a second connection may start writing right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()


def test_sqlite_connections_have_wal_a_busy_timeout_and_immediate_transactions(probe: Any) -> None:
    info = database_info(probe)
    assert info.journal_mode == "wal"
    assert info.busy_timeout_ms == 20_000
    assert info.transaction_mode == "IMMEDIATE"
    assert info.problems == []
    path = probe.settings_dict["NAME"]
    # a transaction that has only read already holds the write lock: no read-then-write
    # upgrade can fail later with "database is locked"
    with transaction.atomic(using="probe"):
        with probe.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
        assert other_writer(path) == "database is locked"
    assert other_writer(path) == "free"


def test_the_task_claim_takes_the_write_lock_too(probe: Any) -> None:
    from django_tasks_db.utils import exclusive_transaction

    with exclusive_transaction("probe"):
        assert other_writer(probe.settings_dict["NAME"]) == "database is locked"
    assert probe.transaction_mode == "IMMEDIATE"  # restored after the claim


def test_missing_settings_are_named(probe: Any) -> None:
    probe.transaction_mode = None
    with probe.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.execute("PRAGMA journal_mode = DELETE")
    problems = database_info(probe).problems
    assert len(problems) == 3
    assert any("WAL" in p for p in problems) and any("IMMEDIATE" in p for p in problems)
