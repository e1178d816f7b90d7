"""Supervision of the processes ``ocr-inference up`` runs: a child that exits on its own
after it became ready is restarted with growing backoff, and the others keep running.

- Before a restart, the dead child's whole process group is killed, so that no orphaned
  pool process of a worker holds work; ``on_exit`` then runs (``up`` puts the messages
  its only worker had taken back on the queue there).
- The delay before a restart doubles with each restart, from ``Backoff.first_s`` up to
  ``Backoff.max_s``, and falls back to the first once the child has run ``stable_s``
  without failing: a child that keeps failing is restarted less and less often, never in a
  tight loop, and every restart is logged with the exit status.
- A child that exits before it ever became ready (a bad setting, exit status 2) stops
  everything, with its status: restarting it would fail the same way. Readiness is looked
  at once more when it exits (it may have become ready since the last look), and a child
  killed by a signal (a negative status: ``kill -9``, the kernel's OOM killer) is restarted
  however early it died, since nothing says it would die again.
- SIGINT and SIGTERM stop every child cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocr_inference.local.processes import stop_all

Process = subprocess.Popen[Any]


@dataclass(frozen=True)
class Backoff:
    first_s: float = 1.0
    max_s: float = 60.0
    stable_s: float = 120.0  # a child that ran this long starts again from first_s

    def delay(self, restarts: int) -> float:
        """The wait before restart number ``restarts`` (1 for the first) of a run."""
        return float(min(self.max_s, self.first_s * 2 ** max(0, restarts - 1)))


@dataclass
class Child:
    """One supervised process: how to start it, and how to tell that it became ready."""

    name: str
    start: Callable[[], Process]
    ready: Callable[[], bool]
    on_exit: Callable[[], None] = lambda: None
    own_group: bool = False  # started in a process group of its own (start_new_session)
    process: Process | None = None
    became_ready: bool = False
    restarts: int = 0  # since it last ran for Backoff.stable_s
    started_at: float = 0.0
    restart_at: float | None = None  # when a restart is due
    checked_at: float = field(default=0.0, repr=False)


class Supervisor:
    """Runs ``children`` until a signal, or until one fails before it became ready."""

    def __init__(
        self,
        children: Sequence[Child],
        report: Callable[[str], None],
        *,
        backoff: Backoff | None = None,
        poll_s: float = 0.5,
        ready_every_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = list(children)
        self.report = report
        self.backoff = backoff or Backoff()
        self.poll_s = poll_s
        self.ready_every_s = ready_every_s
        self.clock = clock
        self.stopping = False
        self.failed: str | None = None

    def run(self) -> int:
        """Supervise until SIGINT or SIGTERM (0), or until a child fails before it was ever
        ready (1); every child is stopped on the way out."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start_all()
            while not self.stopping and self.failed is None:
                self.step()
                time.sleep(self.poll_s)
        finally:
            stop_all([c.process for c in self.children if c.process is not None])
            for child in self.children:
                if child.own_group and child.process is not None:
                    kill_group(child.process.pid)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failed is not None:
            self.report(self.failed)
            return 1
        return 0

    def start_all(self) -> None:
        for child in self.children:
            self._start(child)

    def step(self) -> None:
        """One look at every child: notice readiness and exits, start restarts that are due."""
        now = self.clock()
        for child in self.children:
            if child.process is None:
                if child.restart_at is not None and now >= child.restart_at:
                    self._start(child)
                continue
            status = child.process.poll()
            if status is None:
                self._check_ready(child, now)
            else:
                self._exited(child, status, now)
                if self.failed is not None:
                    return

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def _start(self, child: Child) -> None:
        child.process = child.start()
        child.started_at = self.clock()
        child.restart_at = None

    def _check_ready(self, child: Child, now: float) -> None:
        if child.became_ready or now - child.checked_at < self.ready_every_s:
            return
        child.checked_at = now
        self._probe(child)

    @staticmethod
    def _probe(child: Child) -> None:
        try:
            child.became_ready = bool(child.ready())
        except Exception:  # a readiness probe that fails means "not yet"
            child.became_ready = False

    def _exited(self, child: Child, status: int, now: float) -> None:
        assert child.process is not None
        if child.own_group:
            kill_group(child.process.pid)
        child.process = None
        if not child.became_ready:
            self._probe(child)  # it may have become ready since the last look
        # a child killed by a signal (status < 0) did not refuse to start: it is restarted
        if not child.became_ready and status >= 0:
            self.failed = f"{child.name} exited with status {status} before it was ready; stopping"
            return
        if now - child.started_at >= self.backoff.stable_s:
            child.restarts = 0
        child.restarts += 1
        delay = self.backoff.delay(child.restarts)
        child.on_exit()
        child.restart_at = now + delay
        self.report(
            f"{child.name} exited with status {status}; restart {child.restarts} in {delay:g} s"
        )


def kill_group(leader: int) -> None:
    """Kill what is left of the process group that ``leader`` led (a worker's pool
    processes outlive their main process), if anything is."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing is left
        os.killpg(leader, signal.SIGKILL)
