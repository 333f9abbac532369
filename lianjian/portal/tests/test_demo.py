"""The demo command and `start`: refused in production, builders called in their order, the
demo loaded only into an empty database, the worker and the ticker beside the server.

The tests of the built demo itself (seed figures, people, logins, rebuild) share one build
in `test_demo_figures.py`; these replace the slow builders they do not look at.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianjian.accounts.models import User
from lianjian.orgs.models import Region
from lianjian.portal import demo as portal_demo
from lianjian.portal.demo import demo_build

pytestmark = pytest.mark.django_db


# builders whose rows these tests never read: replaced by no-ops to keep the tests fast
SLOW_BUILDERS = {"visits", "needs.work", "ledger"}


def _registries_only(monkeypatch: pytest.MonkeyPatch) -> None:
    builders = [(n, b) for n, b in portal_demo.BUILDERS if n not in SLOW_BUILDERS]
    monkeypatch.setattr(portal_demo, "BUILDERS", builders)


def test_demo_command_refuses_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    assert not Region.objects.exists()
    assert not User.objects.exists()


@pytest.mark.slow  # builds the demo: CI's PostgreSQL stage (P7)
def test_the_ledger_builder_runs_only_when_the_build_asks_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The composition layer calls each app's builder plainly, in its declared order."""
    calls: list[bool] = []

    def fake_ledger(ctx: Any) -> None:
        calls.append(ctx.with_ledger)
        assert "changning" in ctx.objects  # the registries were built first

    builders = [
        (n, fake_ledger if n == "ledger" else b)
        for n, b in portal_demo.BUILDERS
        if n == "ledger" or n not in SLOW_BUILDERS
    ]
    monkeypatch.setattr(portal_demo, "BUILDERS", builders)
    demo_build(with_ledger=True)
    demo_build(with_ledger=False)
    assert calls == [True, False]


@pytest.mark.slow  # builds the demo: CI's PostgreSQL stage (P7)
def test_start_loads_demo_only_into_an_empty_database_then_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lianjian.portal.management.commands import start

    served: list[tuple[Any, ...]] = []
    real_call_command = start.call_command

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "runserver":
            served.append((*args, kwargs.get("use_reloader")))
            return
        real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(start, "call_command", fake_call_command)
    _registries_only(monkeypatch)
    out = io.StringIO()
    call_command("start", "--addr", "127.0.0.1:8123", stdout=out)
    assert "demo_hongchu" in out.getvalue()
    assert served == [("127.0.0.1:8123", False)]
    regions = Region.objects.count()
    users = User.objects.count()

    again = io.StringIO()
    call_command("start", stdout=again)
    assert "demo_hongchu" not in again.getvalue()  # not rebuilt, logins not reprinted
    assert (Region.objects.count(), User.objects.count()) == (regions, users)
    assert served[-1] == ("127.0.0.1:8000", False)


class FakeWorker:
    """Stands in for the `db_worker` process `start` launches beside the server."""

    launched: list[list[str]] = []
    last: FakeWorker

    def __init__(self, args: list[str]) -> None:
        FakeWorker.launched.append(args)
        self.terminated = False
        self.returncode: int | None = None
        FakeWorker.last = self

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.terminated = True
        self.returncode = -15

    def wait(self, timeout: float | None = None) -> int:
        return 0


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_start_runs_a_task_worker_beside_the_server_and_stops_it(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """With the database queue, big imports and reminders only finish if a worker runs."""
    from lianjian.core import supervisor
    from lianjian.portal.management.commands import start

    settings.TASKS = DB_TASKS
    FakeWorker.launched = []
    monkeypatch.setattr(supervisor.subprocess, "Popen", FakeWorker)
    running: list[bool] = []
    monkeypatch.setattr(
        start,
        "call_command",
        lambda name, *a, **k: (
            running.append(not FakeWorker.last.terminated) if name == "runserver" else None
        ),
    )
    call_command("start", "--no-demo", stdout=io.StringIO())
    assert len(FakeWorker.launched) == 1
    assert FakeWorker.launched[0][1:] == [
        "-m",
        "lianjian.cli",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
    ]
    assert running == [True]  # the worker was up while the server ran
    assert FakeWorker.last.terminated  # and is stopped with it

    FakeWorker.launched = []
    call_command("start", "--no-demo", "--no-worker", stdout=io.StringIO())
    assert FakeWorker.launched == []

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("start", "--no-demo", stdout=io.StringIO())
    assert FakeWorker.launched == []  # tasks run at once: nothing to wait for them


def test_the_start_ticker_queues_the_needs_tick(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from lianjian.portal.management.commands.start import enqueue_needs_tick

    settings.TASKS = DB_TASKS
    enqueue_needs_tick()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "lianjian.needs.tasks.needs_tick_task"
    assert queued.status == "READY"


def test_the_start_ticker_queues_retention_once_a_day(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from lianjian.portal.management.commands.start import RETENTION_EVERY_TICKS, enqueue_periodic

    settings.TASKS = DB_TASKS
    for tick in range(1, RETENTION_EVERY_TICKS + 2):
        enqueue_periodic(tick)
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count("lianjian.core.tasks.retention_task") == 2  # the first tick, a day later
    assert paths.count("lianjian.needs.tasks.needs_tick_task") == RETENTION_EVERY_TICKS + 1
    # the apps' own periodic tasks (`core.periodic`): the alliances tick once a day too
    assert paths.count("lianjian.alliances.tasks.alliances_tick_task") == 2
