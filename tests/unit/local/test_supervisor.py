"""Supervision: restarts with growing backoff, a child that fails before it was ready
stops everything, signals stop every child, and a dead child's process group goes with it.
Stand-in processes; the service itself is the integration tests' work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ocr_inference.local.supervisor import Backoff, Child, Supervisor

SLEEPS = "import time; time.sleep(60)"


def python(code: str, **options: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], **options)


class FakeProcess:
    """A process whose exit the test decides."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.pid = 0

    def poll(self) -> int | None:
        return self.status

    def terminate(self) -> None:
        self.status = -signal.SIGTERM

    def wait(self, timeout: float | None = None) -> int | None:
        return self.status


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fake_child(name: str, started: list[FakeProcess], **options: Any) -> Child:
    def start() -> Any:
        started.append(FakeProcess())
        return started[-1]

    return Child(name, start=start, ready=lambda: True, **options)


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first_s=1, max_s=10)
    assert [backoff.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_child_that_dies_is_restarted_with_growing_backoff_and_the_others_keep_running() -> None:
    clock, lines, exits = Clock(), [], []
    workers: list[FakeProcess] = []
    apis: list[FakeProcess] = []
    worker = fake_child("worker", workers, on_exit=lambda: exits.append(clock.now))
    supervisor = Supervisor(
        [worker, fake_child("API", apis)],
        lines.append,
        backoff=Backoff(first_s=1, max_s=4, stable_s=100),
        ready_every_s=0,
        clock=clock,
    )
    supervisor.start_all()
    supervisor.step()  # both became ready
    restarts_at = []
    for _ in range(4):
        workers[-1].status = -signal.SIGKILL
        supervisor.step()
        assert worker.process is None and worker.restart_at is not None
        restarts_at.append(worker.restart_at - clock.now)
        clock.now = worker.restart_at
        supervisor.step()
        assert worker.process is workers[-1]
    assert restarts_at == [1, 2, 4, 4]
    assert len(apis) == 1 and apis[0].status is None  # never touched
    assert exits == [0.0, 1.0, 3.0, 7.0]
    assert lines[0] == "worker exited with status -9; restart 1 in 1 s"
    assert supervisor.failed is None

    clock.now += 100  # a child that ran long enough starts again from the first delay
    workers[-1].status = 1
    supervisor.step()
    assert worker.restart_at == clock.now + 1


def test_a_child_that_fails_before_it_was_ready_stops_everything_with_status_1() -> None:
    lines: list[str] = []
    running = Child("API", start=lambda: python(SLEEPS), ready=lambda: True)
    failing = Child("worker", start=lambda: python("raise SystemExit(2)"), ready=lambda: False)
    assert Supervisor([running, failing], lines.append, poll_s=0.1).run() == 1
    assert lines == ["worker exited with status 2 before it was ready; stopping"]
    assert running.process is not None and running.process.returncode == -signal.SIGTERM


def test_a_child_killed_or_ready_between_two_looks_is_restarted_not_taken_for_failed() -> None:
    """Readiness is looked at every ``ready_every_s``: a child that became ready since the
    last look, or that a signal killed before it was ready, is restarted."""
    clock, lines, ready = Clock(), list[str](), [False]
    workers: list[FakeProcess] = []

    def start() -> Any:
        workers.append(FakeProcess())
        return workers[-1]

    worker = Child("worker", start=start, ready=lambda: ready[0])
    supervisor = Supervisor([worker], lines.append, ready_every_s=60, clock=clock)
    supervisor.start_all()
    supervisor.step()  # not ready yet, and not looked at again for 60 s
    workers[-1].status = -signal.SIGKILL  # killed while its models load
    supervisor.step()
    assert supervisor.failed is None and worker.restart_at is not None
    clock.now = worker.restart_at
    supervisor.step()
    ready[0] = True  # ready now, but the supervisor has not looked yet
    workers[-1].status = 1
    supervisor.step()
    assert supervisor.failed is None and worker.restart_at is not None
    assert lines == [
        "worker exited with status -9; restart 1 in 1 s",
        "worker exited with status 1; restart 2 in 2 s",
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_every_child_with_status_0(sig: signal.Signals) -> None:
    received: list[int] = []

    def record(number: int, _: object) -> None:
        received.append(number)

    previous = signal.signal(sig, record)
    try:
        # a child sends it, so that it comes while the supervisor holds its own handler
        asks = f"import os, time; time.sleep(1); os.kill(os.getppid(), {int(sig)}); {SLEEPS}"
        children = [
            Child("asks", start=lambda: python(asks), ready=lambda: True),
            Child("runs", start=lambda: python(SLEEPS), ready=lambda: True),
        ]
        assert Supervisor(children, print, poll_s=0.1).run() == 0
        assert all(
            c.process is not None and c.process.returncode == -signal.SIGTERM for c in children
        )
        assert received == []
        assert signal.getsignal(sig) is record  # given back
    finally:
        signal.signal(sig, previous)


def test_a_dead_childs_process_group_is_killed_before_its_restart(tmp_path: Path) -> None:
    """As a worker's pool process outlives its main process killed with SIGKILL."""
    pid_file = tmp_path / "grandchild"
    code = (
        "import subprocess, sys, time;"
        f"p = subprocess.Popen([sys.executable, '-c', {SLEEPS!r}]);"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(0.5); raise SystemExit(1)"
    )
    clock = Clock()
    child = Child(
        "worker",
        start=lambda: python(code, start_new_session=True),
        ready=lambda: True,
        own_group=True,
    )
    supervisor = Supervisor([child], print, ready_every_s=0, clock=clock)
    supervisor.start_all()
    supervisor.step()
    assert child.process is not None
    child.process.wait(10)
    grandchild = int(pid_file.read_text())
    supervisor.step()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(grandchild):
        time.sleep(0.05)
    assert not _alive(grandchild)
    assert child.restart_at is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split()[2] != "Z"
