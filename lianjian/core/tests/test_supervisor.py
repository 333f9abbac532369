"""`lianjian start` keeps its task worker running: the supervisor with a fake process."""

from __future__ import annotations

import threading
from typing import Any

from lianjian.core.supervisor import Supervisor


class FakeProcess:
    """A child that runs until `die(code)` or until terminated."""

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.terminated = False

    def poll(self) -> int | None:
        return self.returncode

    def die(self, code: int) -> None:
        self.returncode = code

    def terminate(self) -> None:
        self.terminated = True
        self.returncode = -15

    def kill(self) -> None:
        self.returncode = -9

    def wait(self, timeout: float | None = None) -> int:
        assert self.returncode is not None
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def supervised(clock: Clock) -> tuple[Supervisor, list[FakeProcess], list[str]]:
    children: list[FakeProcess] = []
    lines: list[str] = []

    def spawn() -> FakeProcess:
        children.append(FakeProcess())
        return children[-1]

    sup = Supervisor(
        spawn,
        say=lines.append,
        min_backoff=0.01,
        max_backoff=0.04,
        healthy_after=60,
        poll_every=0.005,
        clock=clock,
    )
    return sup, children, lines


def wait_for(predicate: Any, timeout: float = 5) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if predicate():
            return
        done.wait(0.005)
    raise AssertionError("condition not reached")


def test_a_worker_that_exits_is_restarted_with_a_chinese_line_and_growing_pauses() -> None:
    clock = Clock()
    sup, children, lines = supervised(clock)
    sup.start()
    assert len(children) == 1  # up before start() returns
    try:
        children[0].die(1)
        wait_for(lambda: len(children) == 2)
        assert lines == ["后台任务进程已退出（退出码 1），正在自动重启（第 1 次）"]
        children[1].die(-9)
        wait_for(lambda: len(children) == 3)
        assert lines[-1] == "后台任务进程已退出（退出码 -9），正在自动重启（第 2 次）"
        assert sup.restarts == 2
    finally:
        sup.stop()
    assert children[-1].terminated  # stopping ends the running child
    assert len(children) == 3


def test_the_pause_doubles_for_quick_deaths_and_resets_after_a_healthy_run(
    monkeypatch: Any,
) -> None:
    clock = Clock()
    sup, children, _ = supervised(clock)
    waits: list[float] = []
    real_wait = sup._stopping.wait

    def recording_wait(timeout: float | None = None) -> bool:
        if timeout is not None and timeout >= sup.min_backoff:
            waits.append(timeout)
        return real_wait(0.001)

    monkeypatch.setattr(sup._stopping, "wait", recording_wait)
    sup.start()
    try:
        for n in range(1, 5):  # four quick deaths: 0.01, 0.02, 0.04, 0.04 (the cap)
            children[-1].die(1)
            wait_for(lambda n=n: len(children) == n + 1)
        clock.now += 120  # the fifth child runs for two minutes before it dies
        children[-1].die(1)
        wait_for(lambda: len(children) == 6)
    finally:
        sup.stop()
    assert waits == [0.01, 0.02, 0.04, 0.04, 0.01]


def test_a_worker_that_dies_while_everything_stops_is_not_restarted() -> None:
    clock = Clock()
    sup, children, lines = supervised(clock)
    sup.min_backoff = 5  # the pause a real exit would wait before restarting
    sup.start()
    children[0].die(0)  # Ctrl+C reached the worker first
    sup.stop()
    assert len(children) == 1 and lines == []


def test_a_worker_that_cannot_be_started_is_tried_again() -> None:
    calls: list[int] = []
    lines: list[str] = []
    child = FakeProcess()

    def spawn() -> FakeProcess:
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory")
        return child

    sup = Supervisor(spawn, say=lines.append, min_backoff=0.01, poll_every=0.005)
    sup.start()
    try:
        wait_for(lambda: len(calls) == 2)
    finally:
        sup.stop()
    assert lines[0] == "后台任务进程无法启动：No such file or directory"
    assert lines[1] == "后台任务进程已退出（未能启动），正在自动重启（第 1 次）"
    assert child.terminated
