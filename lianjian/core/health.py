"""The system health report: task workers, the queue, stale jobs, periodic ticks, the database.

One report feeds the health page (`/system/health/`) and its API
(`GET /api/v1/system/health`); it only reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from lianjian.core import heartbeat
from lianjian.core.models import ScheduledRun, WorkerHeartbeat

RECENT = dt.timedelta(hours=24)
WORKERS_SHOWN = 10
JOBS_SHOWN = 20


def tasks_use_worker() -> bool:
    """Whether enqueued tasks wait for a worker (the database queue), or run at once."""
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")


# ---------------------------------------------------------------- database


@dataclass
class DatabaseInfo:
    vendor: str
    journal_mode: str | None = None
    busy_timeout_ms: int | None = None
    transaction_mode: str | None = None
    problems: list[str] = field(default_factory=list)


def database_info(conn: Any) -> DatabaseInfo:
    """SQLite's settings as the connection really has them (DESIGN.md rule 9)."""
    info = DatabaseInfo(vendor=conn.vendor)
    if conn.vendor != "sqlite":
        return info
    conn.ensure_connection()
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        info.journal_mode = str(cursor.fetchone()[0]).lower()
        cursor.execute("PRAGMA busy_timeout")
        info.busy_timeout_ms = int(cursor.fetchone()[0])
    info.transaction_mode = getattr(conn, "transaction_mode", None)
    if info.journal_mode != "wal" and not conn.is_in_memory_db():
        info.problems.append(f"SQLite 未启用 WAL 日志模式（当前 {info.journal_mode}）")
    if info.busy_timeout_ms < 1000:
        info.problems.append(f"SQLite 忙等待时间过短（{info.busy_timeout_ms} 毫秒）")
    if info.transaction_mode not in {"IMMEDIATE", "EXCLUSIVE"}:
        info.problems.append("SQLite 事务未使用 IMMEDIATE 模式，并发写入可能报“database is locked”")
    return info


def database_problems(conn: Any) -> list[str]:
    return database_info(conn).problems


# ---------------------------------------------------------------- the report


@dataclass
class WorkerInfo:
    name: str
    host: str
    pid: int
    started_at: dt.datetime
    beat_at: dt.datetime
    seconds_since_beat: int
    alive: bool
    stopped_at: dt.datetime | None
    task: str
    task_started_at: dt.datetime | None
    tasks_done: int

    @property
    def state_label(self) -> str:
        if self.alive:
            return "运行中"
        return "已停止" if self.stopped_at else "失联"


@dataclass
class QueueInfo:
    uses_worker: bool
    backend: str
    ready: int = 0  # may run now
    scheduled: int = 0  # waits for its run_after
    running: int = 0
    failed_recent: int = 0  # in the last 24 hours
    succeeded_recent: int = 0
    oldest_ready_at: dt.datetime | None = None


@dataclass
class JobInfo:
    kind: str
    kind_label: str
    id: int
    status: str
    status_label: str
    worker: str
    started_at: dt.datetime | None
    beat_at: dt.datetime | None
    finished_at: dt.datetime | None
    message: str


@dataclass
class TickInfo:
    name: str
    label: str
    every_seconds: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    ok: bool | None
    summary: str
    error: str
    runs: int
    overdue: bool


@dataclass
class HealthReport:
    checked_at: dt.datetime
    stale_after_seconds: int
    worker_alive: bool
    workers: list[WorkerInfo]
    queue: QueueInfo
    stale_jobs: list[JobInfo]
    failed_jobs: list[JobInfo]
    ticks: list[TickInfo]
    database: DatabaseInfo
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _workers(now: dt.datetime, alive: set[str]) -> list[WorkerInfo]:
    rows = WorkerHeartbeat.objects.order_by("-beat_at")[:WORKERS_SHOWN]
    return [
        WorkerInfo(
            name=w.name,
            host=w.host,
            pid=w.pid,
            started_at=w.started_at,
            beat_at=w.beat_at,
            seconds_since_beat=max(0, int((now - w.beat_at).total_seconds())),
            alive=w.name in alive,
            stopped_at=w.stopped_at,
            task=w.task,
            task_started_at=w.task_started_at,
            tasks_done=w.tasks_done,
        )
        for w in rows
    ]


def _queue(now: dt.datetime) -> QueueInfo:
    info = QueueInfo(
        uses_worker=tasks_use_worker(), backend=str(settings.TASKS["default"]["BACKEND"])
    )
    if not info.uses_worker:
        return info
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    info.ready = ready.count()
    info.oldest_ready_at = ready.aggregate(at=Min("enqueued_at"))["at"]
    info.scheduled = DBTaskResult.objects.filter(status="READY").count() - info.ready
    info.running = DBTaskResult.objects.filter(status="RUNNING").count()
    recent = DBTaskResult.objects.filter(finished_at__gte=now - RECENT)
    finished = dict(recent.values_list("status").annotate(n=Count("id")))
    info.failed_recent = int(finished.get("FAILED", 0))
    info.succeeded_recent = int(finished.get("SUCCESSFUL", 0))
    return info


def _job_info(key: str, kind: heartbeat.JobKind, job: Any) -> JobInfo:
    return JobInfo(
        kind=key,
        kind_label=kind.label,
        id=job.pk,
        status=job.status,
        status_label=job.get_status_display(),
        worker=job.worker,
        started_at=job.started_at,
        beat_at=job.beat_at,
        finished_at=job.finished_at,
        message=job.message,
    )


def _jobs(
    now: dt.datetime, workers: tuple[set[str], set[str]]
) -> tuple[list[JobInfo], list[JobInfo]]:
    stale: list[JobInfo] = []
    failed: list[JobInfo] = []
    fields = ("id", "status", "worker", "started_at", "beat_at", "finished_at", "message")
    for key, kind in heartbeat.job_kinds().items():
        model = kind.model_class()
        for job in heartbeat.stale_jobs(kind, now, workers).only(*fields)[:JOBS_SHOWN]:
            stale.append(_job_info(key, kind, job))
        recent = model.objects.filter(status=kind.failed, finished_at__gte=now - RECENT)
        for job in recent.only(*fields).order_by("-finished_at")[:JOBS_SHOWN]:
            failed.append(_job_info(key, kind, job))
    failed.sort(key=lambda j: j.finished_at or now, reverse=True)
    return stale, failed[:JOBS_SHOWN]


def _ticks(now: dt.datetime) -> list[TickInfo]:
    rows = {r.name: r for r in ScheduledRun.objects.all()}
    ticks = []
    for name, schedule in sorted(heartbeat.schedules().items()):
        row = rows.get(name)
        late = dt.timedelta(seconds=2 * schedule.every_seconds) + heartbeat.stale_after()
        ticks.append(
            TickInfo(
                name=name,
                label=schedule.label,
                every_seconds=schedule.every_seconds,
                started_at=row.started_at if row else None,
                finished_at=row.finished_at if row else None,
                ok=row.ok if row else None,
                summary=row.summary if row else "",
                error=row.error if row else "",
                runs=row.runs if row else 0,
                overdue=row is None or row.started_at < now - late,
            )
        )
    return ticks


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} 分钟" if minutes < 120 else f"{minutes // 60} 小时"


def health_report(conn: Any = None, now: dt.datetime | None = None) -> HealthReport:
    from django.db import connection

    now = now or timezone.now()
    known = heartbeat.workers_now(now)
    alive = known[0]
    workers = _workers(now, alive)
    queue = _queue(now)
    stale, failed = _jobs(now, known)
    ticks = _ticks(now)
    database = database_info(conn or connection)
    problems = list(database.problems)
    if queue.uses_worker:
        if not alive:
            last = f"，最近一次心跳在 {_minutes(now - workers[0].beat_at)}前" if workers else ""
            problems.append(f"没有正在运行的后台任务进程{last}：导入导出、提醒与升级都不会执行")
        if queue.oldest_ready_at and queue.oldest_ready_at < now - heartbeat.stale_after():
            waited = _minutes(now - queue.oldest_ready_at)
            problems.append(f"队列中有 {queue.ready} 个任务，最早的已等待 {waited}")
        for tick in ticks:
            if tick.overdue:
                when = (
                    f"已 {_minutes(now - tick.started_at)}未运行" if tick.started_at else "从未运行"
                )
                problems.append(f"{tick.label}{when}")
    for tick in ticks:
        if tick.ok is False:
            problems.append(f"{tick.label}上次运行出错：{tick.error}")
    if stale:
        problems.append(f"{len(stale)} 个任务的后台进程已失联，将被标记为失败")
    return HealthReport(
        checked_at=now,
        stale_after_seconds=int(heartbeat.stale_after().total_seconds()),
        worker_alive=bool(alive),
        workers=workers,
        queue=queue,
        stale_jobs=stale,
        failed_jobs=failed,
        ticks=ticks,
        database=database,
        problems=problems,
    )
