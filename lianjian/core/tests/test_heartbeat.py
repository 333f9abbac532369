"""Worker heartbeats, the stale-job reaper and the record of the periodic tick (QUALITY.md R6)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lianjian.core import heartbeat
from lianjian.core.models import ScheduledRun, WorkerHeartbeat
from lianjian.ledger.models import ExportJob, ImportJob

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(name: str, at: dt.datetime, **extra: Any) -> WorkerHeartbeat:
    values: dict[str, Any] = {"host": "elsewhere", "pid": 1, "started_at": at, "beat_at": at}
    values.update(extra)
    return WorkerHeartbeat.objects.create(name=name, **values)


def running_export(user: Any, worker: str, at: dt.datetime | None, **extra: Any) -> ExportJob:
    return ExportJob.objects.create(
        user=user, kind="units", params={}, status="running", worker=worker, beat_at=at, **extra
    )


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_reaper_fails_only_jobs_nobody_runs_any_more(personas: Any, settings: Any) -> None:
    settings.JOB_STALE_SECONDS = 120
    t0 = timezone.now()
    user = personas.street_staff
    beat("w-live", t0)
    beat("w-silent", t0)
    live = running_export(user, "w-live", t0)
    silent = running_export(user, "w-silent", t0)
    web = running_export(user, "", t0)  # run in a web request that died
    fresh_web = running_export(user, "", t0 + dt.timedelta(seconds=100))
    legacy = running_export(user, "w-gone", None)  # from before heartbeats
    queued = ExportJob.objects.create(user=user, kind="units", params={})
    with time_machine.travel(t0 + dt.timedelta(seconds=150), tick=False):
        WorkerHeartbeat.objects.filter(name="w-live").update(beat_at=timezone.now())
        assert heartbeat.reap_stale_jobs() == 3
    states = dict(ExportJob.objects.values_list("pk", "status"))
    assert states[live.pk] == "running"  # its worker still beats, however long the job runs
    assert states[fresh_web.pk] == "running"  # progress within the stale time
    assert states[queued.pk] == "queued"
    assert {states[silent.pk], states[web.pk], states[legacy.pk]} == {"failed"}
    assert (
        ExportJob.objects.get(pk=silent.pk).message == heartbeat.job_kinds()["export"].lost_message
    )


def test_a_worker_that_exited_or_whose_process_is_gone_fails_its_jobs_at_once(
    personas: Any, settings: Any
) -> None:
    settings.JOB_STALE_SECONDS = 120
    now = timezone.now()
    beat("w-stopped", now, stopped_at=now)
    beat("w-killed", now, host=heartbeat.host_name(), pid=a_dead_pid())
    beat("w-here", now, host=heartbeat.host_name(), pid=os.getpid())
    user = personas.street_staff
    stopped = ImportJob.objects.create(
        user=user, kind="units", status="running", worker="w-stopped", beat_at=now
    )
    killed = ImportJob.objects.create(
        user=user, kind="units", status="running", worker="w-killed", beat_at=now
    )
    here = ImportJob.objects.create(
        user=user, kind="units", status="running", worker="w-here", beat_at=now
    )
    assert heartbeat.reap_stale_jobs() == 2
    assert ImportJob.objects.get(pk=stopped.pk).status == ImportJob.Status.ERROR
    assert ImportJob.objects.get(pk=killed.pk).status == ImportJob.Status.ERROR
    assert ImportJob.objects.get(pk=here.pk).status == "running"


def test_the_reaper_fails_the_task_rows_a_dead_worker_left_running(db: Any, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    settings.JOB_STALE_SECONDS = 120
    from lianjian.needs.tasks import needs_tick_task

    t0 = timezone.now()
    beat("w-live", t0)
    lost = DBTaskResult.objects.get(id=needs_tick_task.enqueue().id)
    kept = DBTaskResult.objects.get(id=needs_tick_task.enqueue().id)
    DBTaskResult.objects.filter(pk=lost.pk).update(
        status="RUNNING", started_at=t0, worker_ids=["w-dead"]
    )
    DBTaskResult.objects.filter(pk=kept.pk).update(
        status="RUNNING", started_at=t0, worker_ids=["w-live"]
    )
    with time_machine.travel(t0 + dt.timedelta(seconds=150), tick=False):
        WorkerHeartbeat.objects.update(beat_at=timezone.now())
        heartbeat.reap_stale_jobs()
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path == heartbeat.LOST_TASK_CLASS
    assert "后台任务进程在执行此任务时退出" in lost.traceback
    assert kept.status == "RUNNING"


def test_the_heartbeat_thread_beats_and_records_a_clean_stop(transactional_db: Any) -> None:
    pulse = heartbeat.Heartbeat("w-thread", interval=0.05)
    pulse.start()
    try:
        assert heartbeat.current_worker() == "w-thread"
        first = WorkerHeartbeat.objects.get(name="w-thread")
        assert first.pid == os.getpid() and first.stopped_at is None
        heartbeat.task_began("lianjian.ledger.tasks.run_export_job", "t1")
        for _ in range(100):
            row = WorkerHeartbeat.objects.get(name="w-thread")
            if row.beat_at > first.beat_at and row.task:
                break
            import time

            time.sleep(0.05)
        assert row.beat_at > first.beat_at and row.task == "lianjian.ledger.tasks.run_export_job"
    finally:
        pulse.stop()
    assert WorkerHeartbeat.objects.get(name="w-thread").stopped_at is not None
    assert heartbeat.current_worker() == ""


def test_a_beat_that_cannot_be_written_does_not_stop_the_heartbeat(
    db: Any, monkeypatch: Any
) -> None:
    pulse = heartbeat.Heartbeat("w-flaky", interval=0.01)
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        pulse._stop.set()

    monkeypatch.setattr(pulse, "beat", flaky)
    pulse._run()  # returns once the second beat stops it
    assert len(calls) == 2
    heartbeat._state = None


def test_the_needs_tick_records_each_run_for_the_health_page(db: Any, monkeypatch: Any) -> None:
    from lianjian.needs import tasks

    out = io.StringIO()
    call_command("needs_tick", stdout=out)
    call_command("needs_tick", stdout=out)
    run = ScheduledRun.objects.get(name=tasks.NEEDS_TICK)
    assert run.ok is True and run.runs == 2 and run.finished_at is not None
    assert run.summary == "提醒 0 件，升级 0 件，自动办结 0 件"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(tasks, "needs_tick", broken)
    with pytest.raises(ValueError):
        tasks.needs_tick_task.call()
    run.refresh_from_db()
    assert run.ok is False and run.runs == 3 and "ValueError" in run.error


def test_the_worker_command_beats_reaps_at_start_and_survives_a_locked_database(
    transactional_db: Any, settings: Any, monkeypatch: Any
) -> None:
    """Outside a test transaction (the worker commits); no audit row is written, so the
    append-only audit table does not block the flush afterwards."""
    from django_tasks_db.management.commands import db_worker as library

    from lianjian.accounts.models import User

    settings.TASKS = DB_TASKS
    from lianjian.needs.tasks import needs_tick_task

    old = timezone.now() - dt.timedelta(hours=1)
    orphan = running_export(User.objects.create(username="owner"), "w-before", old)
    needs_tick_task.enqueue()
    real = library.Command.handle
    attempts: list[int] = []

    def locked_once(self: Any, *args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")  # past the busy timeout, once
        real(self, *args, **kwargs)

    monkeypatch.setattr(library.Command, "handle", locked_once)
    monkeypatch.setattr("lianjian.core.management.commands.db_worker.time.sleep", lambda s: None)
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "w-cmd",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert len(attempts) == 2  # the loop went on instead of the process exiting
    orphan.refresh_from_db()
    assert orphan.status == "failed"  # reaped when the worker started
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    row = WorkerHeartbeat.objects.get(name="w-cmd")
    assert row.stopped_at is not None and row.pid == os.getpid()
    assert ScheduledRun.objects.get(name="needs_tick").ok is True
