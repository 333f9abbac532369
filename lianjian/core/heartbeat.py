"""Background work never hangs silently (QUALITY.md R6): heartbeats, the reaper, tick records.

- Each task worker process (`lianjian db_worker`, `core/management/commands/
  db_worker.py`) runs a `Heartbeat` thread that writes its `WorkerHeartbeat`
  row every `WORKER_HEARTBEAT_SECONDS`, naming the task it runs.
- Apps register their job models (subclasses of `core.models.WorkerJob`) with
  `register_job_kind`; a job records which worker runs it and when it last
  made progress.
- `reap_stale_jobs` fails the running jobs whose worker stopped beating and
  whose progress is older than `JOB_STALE_SECONDS`, and the django-tasks rows
  such a worker left running. It runs when a worker starts, every minute in
  each worker's heartbeat thread, and in `lianjian start`'s periodic tick.
- `record_run` keeps the last run of a periodic task (the needs tick) for the
  health page.

Every write here is its own short statement, never inside a caller's
transaction, and a failed write is logged, never raised into the work it
watches.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from lianjian.core.models import ScheduledRun, WorkerHeartbeat

logger = logging.getLogger(__name__)
T = TypeVar("T")

LOST_TASK_CLASS = "lianjian.core.heartbeat.WorkerLost"
LOST_TASK_TRACEBACK = "后台任务进程在执行此任务时退出（心跳超时），任务未完成。"


def stale_after() -> dt.timedelta:
    """How long a worker may go without a heartbeat, and a job without progress."""
    return dt.timedelta(seconds=int(settings.JOB_STALE_SECONDS))


def heartbeat_interval() -> float:
    return float(settings.WORKER_HEARTBEAT_SECONDS)


def host_name() -> str:
    return socket.gethostname()[:100]


# ---------------------------------------------------------------- job kinds


@dataclass(frozen=True)
class JobKind:
    """A job model the reaper watches and the health page lists."""

    label: str  # "台账导入"
    model: str  # "orgs.ImportJob": a subclass of core.models.WorkerJob
    failed: str  # the status a run that broke off is given
    lost_message: str  # the Chinese message it is given when its worker died
    running: str = "running"
    queued: str = "queued"
    purge: Callable[[], int] | None = None  # wipes kept files past their time; run with the reaper

    def model_class(self) -> type[Any]:
        return apps.get_model(self.model)


_JOB_KINDS: dict[str, JobKind] = {}


def register_job_kind(key: str, kind: JobKind) -> None:
    _JOB_KINDS[key] = kind


def job_kinds() -> dict[str, JobKind]:
    return dict(_JOB_KINDS)


# ---------------------------------------------------------------- the worker process's state


@dataclass
class WorkerState:
    """What this process's heartbeat reports: set by the worker command and its signals."""

    name: str
    task: str = ""
    task_id: str = ""
    task_started_at: dt.datetime | None = None
    tasks_done: int = 0


_state: WorkerState | None = None


def current_worker() -> str:
    """The heartbeat name of this process when it is a task worker, else ""."""
    return _state.name if _state else ""


def worker_state() -> WorkerState | None:
    return _state


def task_began(task_path: str, task_id: str) -> None:
    if _state is not None:
        _state.task, _state.task_id = task_path[:200], task_id
        _state.task_started_at = timezone.now()


def task_ended() -> None:
    if _state is not None:
        _state.task, _state.task_id, _state.task_started_at = "", "", None
        _state.tasks_done += 1


def job_start_fields() -> dict[str, Any]:
    """The fields a job sets when it starts running here: who runs it, since when."""
    now = timezone.now()
    return {"worker": current_worker(), "started_at": now, "beat_at": now}


def failure_reason(exc: BaseException) -> str:
    """A job's failure in words its owner can act on; the details go to the log only."""
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return "数据库繁忙"
    if isinstance(exc, DatabaseError):
        return "数据库错误"
    if isinstance(exc, MemoryError):
        return "内存不足"
    return "系统内部错误"


def progress_write(write: Callable[[], Any]) -> None:
    """Write a job's progress in its own short transaction (a savepoint inside a caller's);
    a write that fails is logged and skipped: progress must never end the job."""
    from django.db import transaction

    try:
        with transaction.atomic():
            write()
    except DatabaseError:
        logger.warning("job progress could not be written", exc_info=True)


def with_retries(write: Callable[[], T], attempts: int = 3, pause: float = 1.0) -> T:
    """Run a short write again when SQLite answers "database is locked" past its busy timeout.

    Used for the writes that record a failure: the record must not be lost
    to the very contention that may have caused it.
    """
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as exc:
            if attempt == attempts or "locked" not in str(exc).lower():
                raise
            logger.warning("database busy, retrying a status write (%s/%s)", attempt, attempts)
            connection.close()
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- heartbeat thread


class Heartbeat:
    """Writes this worker's `WorkerHeartbeat` row every few seconds from its own thread.

    The thread has its own database connection, so a beat never waits on the
    task's transaction except for SQLite's single write lock (busy timeout);
    a beat that fails is logged and the next one tries again. Every
    `reap_every` seconds it also runs the reaper.
    """

    def __init__(self, name: str, *, interval: float | None = None, reap_every: float = 60) -> None:
        global _state
        self.name = name[:64]
        self.interval = interval if interval is not None else heartbeat_interval()
        self.reap_every = reap_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _state = WorkerState(name=self.name)

    def register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            name=self.name,
            defaults={
                "host": host_name(),
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                "stopped_at": None,
                "task": "",
                "task_started_at": None,
                "tasks_done": 0,
            },
        )

    def beat(self) -> None:
        state = _state or WorkerState(name=self.name)
        WorkerHeartbeat.objects.filter(name=self.name).update(
            beat_at=timezone.now(),
            task=state.task,
            task_started_at=state.task_started_at,
            tasks_done=state.tasks_done,
        )

    def start(self) -> None:
        with_retries(self.register)
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last_reap = time.monotonic()
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.beat()
                    if time.monotonic() - last_reap >= self.reap_every:
                        last_reap = time.monotonic()
                        reap_stale_jobs()
                except DatabaseError:
                    logger.warning("worker heartbeat could not be written", exc_info=True)
                    connection.close()
        finally:
            connection.close()  # the thread's own connection

    def stop(self) -> None:
        """A clean exit: the health page says "stopped", not "lost"."""
        global _state
        _state = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 30)
        try:
            WorkerHeartbeat.objects.filter(name=self.name).update(
                beat_at=timezone.now(), stopped_at=timezone.now(), task=""
            )
        except DatabaseError:
            logger.warning("worker heartbeat could not record the stop", exc_info=True)


# ---------------------------------------------------------------- the reaper


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def workers_now(now: dt.datetime) -> tuple[set[str], set[str]]:
    """Names of the live workers, and of those known dead though not yet silent for long.

    Live: beat within the stale time and did not stop. Known dead: stopped,
    or on this host with their process gone (a worker restarted by `lianjian
    start` fails its predecessor's jobs at once instead of waiting).
    """
    here = host_name()
    alive: set[str] = set()
    dead: set[str] = set()
    rows = WorkerHeartbeat.objects.filter(beat_at__gte=now - stale_after()).values_list(
        "name", "host", "pid", "stopped_at"
    )
    for name, host, pid, stopped_at in rows:
        if stopped_at is not None or (host == here and not _pid_running(pid)):
            dead.add(name)
        else:
            alive.add(name)
    return alive, dead


def alive_workers(now: dt.datetime | None = None) -> set[str]:
    return workers_now(now or timezone.now())[0]


def stale_jobs(kind: JobKind, now: dt.datetime, workers: tuple[set[str], set[str]]) -> Any:
    """The running jobs of one kind that nobody runs any more: their worker is dead,
    or silent and their own progress is older than the stale time."""
    alive, dead = workers
    cutoff = now - stale_after()
    qs = kind.model_class().objects.filter(status=kind.running).exclude(worker__in=alive)
    return qs.filter(Q(beat_at__lt=cutoff) | Q(beat_at__isnull=True) | Q(worker__in=dead))


def reap_stale_jobs(now: dt.datetime | None = None) -> int:
    """Fail the jobs (and django-tasks rows) whose worker died; returns how many jobs."""
    now = now or timezone.now()
    workers = workers_now(now)
    reaped = 0
    for key, kind in job_kinds().items():
        stale = stale_jobs(kind, now, workers)
        count = int(stale.update(status=kind.failed, message=kind.lost_message, finished_at=now))
        if count:
            logger.warning("%s %s job(s) failed: their worker stopped", count, key)
        reaped += count
        if kind.purge is not None:
            kind.purge()
    lost = fail_lost_tasks(workers, now)
    if lost:
        logger.warning("%s task(s) failed: their worker stopped", lost)
    return reaped


def fail_lost_tasks(workers: tuple[set[str], set[str]], now: dt.datetime) -> int:
    """Mark failed the django-tasks rows left running by a worker that died."""
    from django_tasks_db.models import DBTaskResult

    alive, dead = workers
    running = DBTaskResult.objects.filter(status="RUNNING").values_list(
        "id", "worker_ids", "started_at"
    )
    cutoff = now - stale_after()
    lost = []
    for pk, ids, started_at in running:
        last = ids[-1] if ids else ""
        if last not in alive and (last in dead or started_at is None or started_at < cutoff):
            lost.append(pk)
    if not lost:
        return 0
    return int(
        DBTaskResult.objects.filter(pk__in=lost, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path=LOST_TASK_CLASS,
            traceback=LOST_TASK_TRACEBACK,
        )
    )


# ---------------------------------------------------------------- periodic tasks


@dataclass(frozen=True)
class Schedule:
    label: str  # "需求提醒、逾期升级与自动办结"
    every_seconds: int


_SCHEDULES: dict[str, Schedule] = {}


@dataclass(frozen=True)
class Periodic:
    """A periodic task an app contributes to `lianjian start` (extension point
    `"core.periodic"`): `enqueue()` queues it every `every_seconds`."""

    name: str
    every_seconds: int
    enqueue: Callable[[], Any]


def register_schedule(name: str, label: str, every_seconds: int) -> None:
    _SCHEDULES[name] = Schedule(label, every_seconds)


def schedules() -> dict[str, Schedule]:
    return dict(_SCHEDULES)


@dataclass
class RunNote:
    """What the task says about its run: a short summary for the health page."""

    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _note_run(name: str, *, create: bool = False, **values: Any) -> None:
    try:
        if not ScheduledRun.objects.filter(name=name).update(**values) and create:
            try:
                ScheduledRun.objects.create(name=name, **{**values, "runs": 1})
            except IntegrityError:  # two ticks starting at once
                ScheduledRun.objects.filter(name=name).update(**values)
    except DatabaseError:
        logger.warning("the run of %s could not be recorded", name, exc_info=True)


@contextmanager
def record_run(name: str) -> Iterator[RunNote]:
    """Record a periodic task's run (start, end, outcome) in its `ScheduledRun` row."""
    note = RunNote()
    started = timezone.now()
    _note_run(
        name,
        create=True,
        started_at=started,
        finished_at=None,
        ok=None,
        error="",
        runs=F("runs") + 1,
    )
    try:
        yield note
    except BaseException as exc:
        _note_run(
            name,
            finished_at=timezone.now(),
            ok=False,
            error=f"运行出错：{type(exc).__name__}"[:500],
        )
        raise
    _note_run(name, finished_at=timezone.now(), ok=True, summary=note.summary[:200])
