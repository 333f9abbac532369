"""`lianjian start`: migrate, load the demo district into an empty database, serve.

This is the one command behind `bash scripts/run.sh`: it must work on a fresh
clone with nothing configured (SQLite under var/). Static files are served
by WhiteNoise straight from the app folders (WHITENOISE_USE_FINDERS), so no
collectstatic step is needed. Large imports, triage retraining and the
needs reminders are background tasks: when tasks go to the database queue,
`start` also runs a `db_worker` beside the server and enqueues the needs
tick every few minutes, so everything a user starts also finishes.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.accounts.models import User
from lianjian.core.registry import extension
from lianjian.orgs.models import Region
from lianjian.portal.demo import DEFAULT_DEMO_PASSWORD, DEMO_USER_PREFIX, demo_build
from lianjian.portal.management.commands.demo import print_logins, print_summaries

# how often the needs reminders/escalation/auto-close run while `start` serves
TICK_SECONDS = 300


def tasks_use_database_queue() -> bool:
    """Whether enqueued tasks wait for a worker (else they run at once, as in tests)."""
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")


def enqueue_needs_tick() -> None:
    from lianjian.needs.tasks import needs_tick_task

    needs_tick_task.enqueue()


# the retention run (S17) goes once a day: on the first tick (not at start-up), then every this many ticks
RETENTION_EVERY_TICKS = 24 * 3600 // TICK_SECONDS


def enqueue_periodic(tick: int) -> None:
    """What tick number `tick` (1, 2, … every TICK_SECONDS) queues: the needs tick, the
    retention run on the first tick and once a day after it, and the apps' periodic tasks."""
    if (tick - 1) % RETENTION_EVERY_TICKS == 0:
        from lianjian.core.tasks import retention_task

        retention_task.enqueue()
    enqueue_needs_tick()
    for periodic in extension("core.periodic"):  # what other apps contribute
        if (tick - 1) % max(1, periodic.every_seconds // TICK_SECONDS) == 0:
            periodic.enqueue()


def start_background(
    tick_seconds: float = TICK_SECONDS, say: Callable[[str], None] = print
) -> Callable[[], None]:
    """Run a supervised task worker process and the periodic tick; return what stops them."""
    if not tasks_use_database_queue():
        return lambda: None
    from lianjian.core.heartbeat import reap_stale_jobs
    from lianjian.core.supervisor import supervise_worker

    worker = supervise_worker(say)  # restarted, with a Chinese line, whenever it exits
    stop = threading.Event()

    def tick() -> None:
        from django.db import connection

        count = 0
        while not stop.wait(tick_seconds):
            count += 1
            try:
                reap_stale_jobs()  # here too: it must run even while no worker is alive
                enqueue_periodic(count)
            except Exception:
                logging.getLogger(__name__).exception("the periodic tick failed")
            finally:
                connection.close()  # the ticker thread's own connection: do not leak it

    threading.Thread(target=tick, name="needs-tick", daemon=True).start()

    def shutdown() -> None:
        stop.set()
        worker.stop()

    return shutdown


class Command(BaseCommand):
    help = "迁移数据库；数据库为空时加载演示数据并显示演示账号；然后启动网页服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr",
            default=os.environ.get("LIANJIAN_ADDR", "127.0.0.1:8000"),
            help="监听地址，默认 127.0.0.1:8000",
        )
        parser.add_argument("--no-demo", action="store_true", help="数据库为空时也不加载演示数据")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不启动后台任务进程（大文件导入、提醒与升级需另行运行 lianjian db_worker）",
        )
        parser.add_argument(
            "--without-ledger",
            action="store_true",
            help="加载演示数据时不生成长宁区规模的两新台账（约2万家单位）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "start 仅用于开发和评估；正式环境请用 WSGI 服务器运行 lianjian.wsgi:application"
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库迁移完成")
        if not Region.objects.exists() and not options["no_demo"]:
            self.stdout.write("数据库为空，正在加载演示数据……")
            password = os.environ.get("LIANJIAN_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
            result = demo_build(password=password, with_ledger=not options["without_ledger"])
            print_summaries(self.stdout, result)
            print_logins(self.stdout, result)
        elif User.objects.filter(username__startswith=DEMO_USER_PREFIX).exists():
            self.stdout.write(
                "已有数据，未重新加载演示数据。演示账号（demo_ 开头）的密码是首次加载时显示的密码；"
                "运行 `lianjian demo` 可重建演示数据。"
            )
        addr = options["addr"]
        stop_background: Callable[[], None] = (
            (lambda: None) if options["no_worker"] else start_background(say=self.stdout.write)
        )
        # `kill` (SIGTERM) must stop the worker too, as Ctrl+C does
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(f"联建已启动：http://{addr}/  （按 Ctrl+C 停止）")
        try:
            call_command("runserver", addr, use_reloader=False, use_threading=True)
        finally:
            stop_background()
            signal.signal(signal.SIGTERM, previous)
