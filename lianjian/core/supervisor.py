"""Keep a child process running: `lianjian start` supervises its task worker with this.

When the child exits while nobody asked it to, it is started again after a
pause that doubles with each quick death (1 s, 2 s, 4 s … at most a
minute) and resets once a child has run for a minute; each restart is
announced with a Chinese line. Stopping terminates the child (then kills it
if it does not exit within ten seconds).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol


class Process(Protocol):
    """What the supervisor needs of a child: `subprocess.Popen`, or a fake in tests."""

    returncode: int | None

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class Supervisor:
    def __init__(
        self,
        spawn: Callable[[], Process],
        *,
        say: Callable[[str], None],
        name: str = "后台任务进程",
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        healthy_after: float = 60.0,
        poll_every: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spawn = spawn
        self.say = say
        self.name = name
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.healthy_after = healthy_after
        self.poll_every = poll_every
        self.clock = clock
        self.process: Process | None = None
        self.began = 0.0
        self.launches = 0
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _launch(self) -> None:
        self.launches += 1
        self.began = self.clock()
        try:
            self.process = self.spawn()
        except OSError as exc:
            self.process = None
            self.say(f"{self.name}无法启动：{exc.strerror or exc}")

    def run(self) -> None:
        """Keep the child running until `stop()`; blocks. Starts it unless `start()` did."""
        if not self.launches:
            self._launch()
        backoff = self.min_backoff
        while not self._stopping.is_set():
            code: int | None = None
            if self.process is not None:
                while self.process.poll() is None:
                    if self._stopping.wait(self.poll_every):
                        self._end_child()
                        return
                code = self.process.returncode
            if self.clock() - self.began >= self.healthy_after:
                backoff = self.min_backoff
            # wait first: a child that died because everything is shutting down
            # (Ctrl+C reaches the whole process group) is neither announced nor restarted
            if self._stopping.wait(backoff):
                return
            self.restarts += 1
            how = f"退出码 {code}" if code is not None else "未能启动"
            self.say(f"{self.name}已退出（{how}），正在自动重启（第 {self.restarts} 次）")
            backoff = min(backoff * 2, self.max_backoff)
            self._launch()
        self._end_child()

    def start(self) -> None:
        """Start the child now (it is up when this returns) and supervise it from a thread."""
        self._launch()
        self._thread = threading.Thread(target=self.run, name="worker-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout + 5)
        else:
            self._end_child(timeout)

    def _end_child(self, timeout: float = 10) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


WORKER_COMMAND = ["-m", "lianjian.cli", "db_worker", "--no-reload", "--no-startup-delay"]


def supervise_worker(say: Callable[[str], None]) -> Supervisor:
    """Run `lianjian db_worker` beside the server, restarted whenever it exits."""
    command = [sys.executable, *WORKER_COMMAND]
    supervisor = Supervisor(lambda: subprocess.Popen(command), say=say)  # noqa: S603 (our own)
    supervisor.start()
    return supervisor
