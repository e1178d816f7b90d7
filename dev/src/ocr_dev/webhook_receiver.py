"""A webhook receiver on 127.0.0.1 for tests: it records each POST and answers it with a
status the test chose."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload


@dataclass
class Receiver:
    """Records each POST and answers it with the next of ``statuses`` (200 once they run out)."""

    statuses: list[int] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def record(self, delivery: Delivery) -> int:
        with self.changed:
            self.deliveries.append(delivery)
            self.changed.notify_all()
            return self.statuses.pop(0) if self.statuses else 200

    def wait(self, count: int, timeout_s: float = 60) -> list[Delivery]:
        """The first ``count`` deliveries, once they have arrived; fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.deliveries)} webhook(s) after {timeout_s} s, not {count}"
                    )
                self.changed.wait(left)
            return list(self.deliveries[:count])


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver listening on a free port of 127.0.0.1 until the block ends."""
    recorder = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = recorder.record(Delivery(body, dict(self.headers.items())))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
