"""Measuring child processes: wall time, the largest process's peak RSS, the summed RSS.

* ``run_measured`` runs one command under ``bench/rusage_exec.py`` and returns its exit
  status, wall time, output and ``ru_maxrss`` from ``os.wait4``: the peak RSS of the
  largest single process of its tree (Linux keeps the maximum over reaped descendants).
* ``TreeRss`` samples, from ``/proc`` every ``interval`` seconds while it is open, the
  summed RSS of this process's descendants, and keeps the peak of that sum: the memory of
  several concurrent processes (worker pools, parallel Tesseracts) together. Pages shared
  between processes count once per process, as ``ps`` and ``top`` count them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

RUSAGE_EXEC = Path(__file__).resolve().with_name("rusage_exec.py")
PROC = Path("/proc")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.2
# this process -> rusage_exec.py launcher -> the measured command: depth 2 and below
MEASURED_DEPTH = 2


@dataclass
class Measured:
    """A finished child process: exit status, wall time, peak RSS and output."""

    returncode: int
    seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str


def run_measured(command: Sequence[str], env: Mapping[str, str] | None = None) -> Measured:
    """Run a command to completion; time it and take its peak RSS from ``os.wait4``.

    The command runs under ``bench/rusage_exec.py`` (see there why), which forks it from
    a small interpreter, reaps it with ``os.wait4`` and writes its exit status, wall time
    and ``ru_maxrss``. Output goes to temporary files, never to pipes that could fill.
    Safe to call from several threads at once.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory(prefix="ocr-compare-rusage-") as scratch,
    ):
        record = Path(scratch) / "rusage"
        launcher = [sys.executable, "-S", str(RUSAGE_EXEC), str(record), *command]
        started = time.perf_counter()
        completed = subprocess.run(
            launcher, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, check=False
        )
        seconds = time.perf_counter() - started
        returncode, max_rss_kib = completed.returncode, 0
        if record.exists():  # absent only when the launcher itself failed
            code, timed, rss = record.read_text(encoding="ascii").split()
            returncode, seconds, max_rss_kib = int(code), float(timed), int(rss)
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=returncode,
            seconds=seconds,
            max_rss_kib=max_rss_kib,  # KiB on Linux
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
        )


def _parent_of(pid: str) -> int | None:
    """The parent pid of a process, from ``/proc/PID/stat``; None once it is gone."""
    try:
        stat = (PROC / pid / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]) if len(fields) > 1 else None


def _rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB, 0 once it is gone."""
    try:
        statm = (PROC / str(pid) / "statm").read_text(encoding="ascii").split()
    except OSError:
        return 0
    return int(statm[1]) * PAGE_KIB if len(statm) > 1 else 0


def tree_rss_kib(root: int, min_depth: int) -> int:
    """Summed RSS of the processes under ``root`` at ``min_depth`` or deeper (root: 0)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir(PROC):
        if entry.isdigit():
            parent = _parent_of(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    total, level, depth = 0, [root], 0
    while level:
        if depth >= min_depth:
            total += sum(_rss_kib(pid) for pid in level)
        level = [child for pid in level for child in children.get(pid, [])]
        depth += 1
    return total


class TreeRss:
    """Peak of the summed RSS of this process's tree, sampled while the block runs.

    ``min_depth=MEASURED_DEPTH`` counts what ``run_measured`` started (not its small
    launchers); ``min_depth=0`` counts this process too (a tool run in process).
    """

    def __init__(self, min_depth: int = MEASURED_DEPTH, interval: float = SAMPLE_SECONDS):
        self.min_depth = min_depth
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="tree-rss", daemon=True)

    def _sample(self) -> None:
        root = os.getpid()
        while True:
            self.peak_kib = max(self.peak_kib, tree_rss_kib(root, self.min_depth))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
