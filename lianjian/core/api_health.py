"""`GET /api/v1/system/health`: the health page's report as typed JSON (core.view_health)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lianjian.core.health import health_report
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import ErrorOut

router = Router(tags=["系统"])


class WorkerOut(Schema):
    name: str = Field(description="进程标识（django-tasks worker id）")
    host: str
    pid: int
    state: Literal["alive", "stopped", "lost"] = Field(
        description="alive 运行中；stopped 已正常退出；lost 心跳超时（失联）"
    )
    started_at: dt.datetime
    beat_at: dt.datetime
    seconds_since_beat: int
    task: str = Field(description="正在执行的任务路径，空表示空闲")
    task_started_at: dt.datetime | None
    tasks_done: int


class QueueOut(Schema):
    uses_worker: bool = Field(description="任务是否需要后台任务进程执行（数据库队列）")
    backend: str
    ready: int = Field(description="可立即执行、等待中的任务数")
    scheduled: int = Field(description="定时等待的任务数")
    running: int
    failed_recent: int = Field(description="24 小时内失败的任务数")
    succeeded_recent: int = Field(description="24 小时内完成的任务数")
    oldest_ready_at: dt.datetime | None


class JobOut(Schema):
    kind: Literal["import", "export"] = Field(
        description="任务类型：import（台账导入）、export（列表导出）"
    )
    kind_label: str
    id: int
    status: Literal["queued", "running", "succeeded", "failed", "rejected", "error"] = Field(
        description="任务状态"
    )
    status_label: str
    worker: str
    started_at: dt.datetime | None
    beat_at: dt.datetime | None
    finished_at: dt.datetime | None
    message: str


class TickOut(Schema):
    name: str
    label: str
    every_seconds: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    ok: bool | None = Field(description="上次运行是否成功；null 表示运行中或从未运行")
    summary: str
    error: str
    runs: int
    overdue: bool = Field(description="超过两个周期未运行")


class DatabaseOut(Schema):
    vendor: Literal["sqlite", "postgresql"]
    journal_mode: str | None
    busy_timeout_ms: int | None
    transaction_mode: str | None
    problems: list[str]


class HealthOut(Schema):
    ok: bool = Field(description="没有任何问题时为 true")
    problems: list[str] = Field(description="发现的问题（中文）")
    checked_at: dt.datetime
    stale_after_seconds: int
    worker_alive: bool
    workers: list[WorkerOut]
    queue: QueueOut
    stale_jobs: list[JobOut] = Field(description="后台进程已失联、尚未标记失败的任务")
    failed_jobs: list[JobOut] = Field(description="24 小时内失败的任务")
    ticks: list[TickOut]
    database: DatabaseOut


@router.get(
    "/system/health",
    response={200: HealthOut, 403: ErrorOut},
    operation_id="system_health",
    summary="系统状态：后台任务进程心跳、任务队列、失联任务与定时任务",
)
def system_health(request: HttpRequest) -> Any:
    ensure_perm(request, "core.view_health")
    report = health_report()
    data = asdict(report)
    data["ok"] = report.ok
    for worker, info in zip(data["workers"], report.workers, strict=True):
        worker["state"] = "alive" if info.alive else "stopped" if info.stopped_at else "lost"
    return data
