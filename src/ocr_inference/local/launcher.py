"""Launching the whole service on this machine: a Redis-compatible server, a worker process
and the API process, each with its log file, and waiting until they serve.

``ocr-inference up`` runs :func:`run_until_stopped`; the integration tests and the
benchmarks use :func:`local_service`; the fault-injection cluster starts its parts one at a
time with :func:`start_process` and :func:`wait_ready`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ocr_inference.local.processes import stop_all
from ocr_inference.local.redis_server import EmbeddedRedis
from ocr_inference.local.supervisor import Child, Supervisor
from ocr_inference.tasks.broker import requeue_unacked
from ocr_inference.tasks.connection import redis_connection
from ocr_inference.tasks.heartbeats import Heartbeats

if TYPE_CHECKING:
    from ocr_inference.config import Settings

LOG_TAIL_CHARS = 4000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_process(
    args: Sequence[str],
    env: Mapping[str, str],
    log: Path | None = None,
    *,
    module: str = "ocr_inference",
    own_group: bool = False,
) -> subprocess.Popen[bytes]:
    """Run ``python -m <module> <args>``, its stdout and stderr into ``log`` (truncated) if
    given, else into this process's own; with ``own_group``, in a new session, so that its
    whole process group can be killed."""
    command = [sys.executable, "-m", module, *args]
    if log is None:
        return subprocess.Popen(command, env=dict(env), start_new_session=own_group)
    with log.open("wb") as handle:  # the child holds its own copy of the descriptor
        return subprocess.Popen(
            command,
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )


def log_tails(log_dir: Path, chars: int = LOG_TAIL_CHARS) -> str:
    """The end of every ``*.log`` in ``log_dir``, each under a ``== name`` line."""
    return "\n".join(
        f"== {path.name}\n{path.read_text(errors='replace')[-chars:]}"
        for path in sorted(log_dir.glob("*.log"))
    )


def wait_ready(
    base_url: str,
    processes: Sequence[subprocess.Popen[Any]],
    log_dir: Path | None,
    *,
    timeout_s: float = 180,
    until: Callable[[], bool] | None = None,
) -> None:
    """Wait until ``/health`` reports a live worker with its models loaded (and ``until()``
    holds, if given).

    Raises:
        RuntimeError: if one of ``processes`` exits first, or the time runs out; the message
            holds the ends of the logs in ``log_dir``.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{_describe(process)} exited with {process.returncode} before the service "
                    f"was ready{_logs(log_dir)}"
                )
        if _healthy(base_url) and (until is None or until()):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the service was not ready in {timeout_s:g} s{_logs(log_dir)}")


def _healthy(base_url: str) -> bool:
    try:
        health = httpx.get(f"{base_url}/health", timeout=2).json()
        return bool(health["workers"] >= 1 and health["models_loaded"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return False


def _describe(process: subprocess.Popen[Any]) -> str:
    args = process.args
    command = " ".join(map(str, args)) if isinstance(args, list | tuple) else str(args)
    return f"`{command}` (pid {process.pid})"


def _logs(log_dir: Path | None) -> str:
    if log_dir is None:
        return "; see its output above"
    return f"; the ends of the logs in {log_dir}:\n{log_tails(log_dir)}"


@dataclass(frozen=True)
class LocalService:
    """The processes that :func:`local_service` started."""

    base_url: str
    worker: subprocess.Popen[bytes]
    api: subprocess.Popen[bytes]
    log_dir: Path | None

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [self.worker, self.api]

    def wait_ready(self, timeout_s: float = 180, until: Callable[[], bool] | None = None) -> None:
        """See :func:`wait_ready`."""
        wait_ready(self.base_url, self.processes, self.log_dir, timeout_s=timeout_s, until=until)


@contextmanager
def local_service(
    redis: EmbeddedRedis | None,
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    concurrency: int | None = None,
) -> Iterator[LocalService]:
    """Start ``redis`` (None: use the server REDIS_URL names), a worker and the API on
    ``port``; stop them all on leaving.

    Args:
        redis: the server to run for the service.
        port: the API's port (OCR_PORT); its URL is on 127.0.0.1.
        env: variables for the worker and the API, over this process's environment.
        log_dir: where ``worker.log`` and ``api.log`` go; None leaves their output on ours.
        concurrency: the worker's pool processes (default OCR_WORKER_CONCURRENCY).
    """
    with ExitStack() as stack:
        environ = {**os.environ, "OCR_PORT": str(port)}
        if redis is not None:
            stack.enter_context(redis)
            environ["REDIS_URL"] = redis.url
        environ.update(env or {})
        children: list[subprocess.Popen[bytes]] = []
        stack.callback(stop_all, children)
        worker_args = ["worker"]
        if concurrency is not None:
            worker_args += ["--concurrency", str(concurrency)]
        worker = start_process(worker_args, environ, _log(log_dir, "worker"))
        children.append(worker)
        api = start_process(["serve"], environ, _log(log_dir, "api"))
        children.append(api)
        yield LocalService(f"http://127.0.0.1:{port}", worker, api, log_dir)


def _log(log_dir: Path | None, name: str) -> Path | None:
    return None if log_dir is None else log_dir / f"{name}.log"


def run_until_stopped(settings: Settings, report: Callable[[str], None]) -> int:
    """``ocr-inference up``: an embedded server (unless REDIS_URL is set), a worker and the
    API, supervised (``local.supervisor``) until Ctrl-C or SIGTERM.

    When ``up`` runs the server, its worker is the only one, so the messages that a dead
    worker had taken are put back on the queue at once (``tasks.broker.requeue_unacked``)
    rather than after the broker's visibility timeout.

    Returns:
        The exit status: 1 if a process failed before it was ready, else 0.
    """
    server = None if "REDIS_URL" in os.environ else EmbeddedRedis(settings.data_dir)
    environ = {**os.environ, "OCR_PORT": str(settings.port)}
    if server is not None:
        server.start()
        environ["REDIS_URL"] = server.url
    url = environ.get("REDIS_URL", settings.redis_url)
    base_url = f"http://127.0.0.1:{settings.port}"
    # the settings' own REDIS_URL, or the embedded server's; a sentinel:// URL works too
    heartbeats = Heartbeats(
        redis_connection(settings.model_copy(update={"redis_url": url})),
        result_ttl_s=settings.result_ttl_s,
        blob_ttl_s=settings.blob_ttl_s,
    )
    children = _children(server, environ, url, heartbeats, base_url, report)
    if server is not None:
        report(f"Redis-compatible server on {server.url}, data in {settings.data_dir}")
    report(f"API on http://{settings.host}:{settings.port} (docs at /docs)")
    try:
        return Supervisor(children, report).run()
    finally:
        if server is not None:
            server.stop()


def _children(
    server: EmbeddedRedis | None,
    environ: Mapping[str, str],
    url: str,
    heartbeats: Heartbeats,
    base_url: str,
    report: Callable[[str], None],
) -> list[Child]:
    worker = Child(
        "worker",
        start=lambda: start_process(["worker"], environ, own_group=True),
        ready=lambda: heartbeats.workers().models_loaded,
        on_exit=(lambda: _requeue(url, report)) if server is not None else (lambda: None),
        own_group=True,
    )
    api = Child(
        "API",
        start=lambda: start_process(["serve"], environ),
        ready=lambda: _answers(base_url),
    )
    if server is None:
        return [worker, api]
    embedded = Child(
        "Redis-compatible server",
        start=lambda: _started(server),
        ready=lambda: True,
    )
    return [embedded, worker, api]


def _started(server: EmbeddedRedis) -> subprocess.Popen[bytes]:
    """The server's process, started on its AOF if it is not running."""
    if server.process is None or server.process.poll() is not None:
        server.start()
    assert server.process is not None
    return server.process


def _answers(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/health", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def _requeue(url: str, report: Callable[[str], None]) -> None:
    try:
        count = requeue_unacked(url)
    except Exception as exc:  # Redis down: the visibility timeout still brings them back
        report(f"the dead worker's messages stay taken until the visibility timeout: {exc}")
        return
    report(f"{count} messages the dead worker had taken are back on their queues")
