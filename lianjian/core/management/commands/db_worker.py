"""`lianjian db_worker`: django-tasks' database worker, with a heartbeat and the stale-job reaper.

The options are django_tasks_db's own (this app is listed before it, so this
command takes the name). Added around its loop:

- at start, the SQLite settings are checked (WAL, busy timeout, IMMEDIATE
  transactions: a warning names what is missing) and the jobs of workers that
  died are failed (`lianjian.core.heartbeat.reap_stale_jobs`);
- a thread writes this worker's heartbeat and, every minute, runs the reaper;
- "database is locked" past the busy timeout never ends the process: the
  task row being written is marked failed and the loop starts again.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.db import OperationalError, connection
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.compat import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as TasksWorkerCommand
from django_tasks_db.utils import is_locked_database_exception

from lianjian.core import heartbeat
from lianjian.core.health import database_problems

logger = logging.getLogger("lianjian.worker")

LOCKED_TRACEBACK = "数据库繁忙（database is locked），任务结果未能写入；请重试。"


def _began(sender: Any, task_result: Any, **kwargs: Any) -> None:
    heartbeat.task_began(str(getattr(task_result.task, "module_path", "")), str(task_result.id))


def _ended(sender: Any, task_result: Any, **kwargs: Any) -> None:
    heartbeat.task_ended()


def _fail_current_task() -> None:
    """The task whose result could not be written: failed, so it is not left running."""
    from django_tasks_db.models import DBTaskResult

    state = heartbeat.worker_state()
    if state is None or not state.task_id:
        return
    task_id = state.task_id
    heartbeat.task_ended()
    heartbeat.with_retries(
        lambda: DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="django.db.utils.OperationalError",
            traceback=LOCKED_TRACEBACK,
        ),
        attempts=5,
    )


class Command(TasksWorkerCommand):
    help = "运行后台任务进程：大文件导入导出、需求提醒与升级、分拣模型训练"

    def handle(self, *args: Any, **options: Any) -> None:
        reloading_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if reloading_parent:  # the autoreloader's parent only watches files
            super().handle(*args, **options)
            return
        self.configure_logging(int(options.get("verbosity", 1)))
        for problem in database_problems(connection):
            logger.warning("数据库设置：%s", problem)
        beat = heartbeat.Heartbeat(str(options["worker_id"]))
        beat.start()
        heartbeat.reap_stale_jobs()
        task_started.connect(_began)
        task_finished.connect(_ended)
        try:
            self._run(*args, **options)
        finally:
            task_started.disconnect(_began)
            task_finished.disconnect(_ended)
            beat.stop()

    def _run(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                super().handle(*args, **options)
                return
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                logger.warning("database is locked past the busy timeout; the worker goes on")
                connection.close()
                _fail_current_task()
                time.sleep(1)
