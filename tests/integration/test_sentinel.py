"""Redis Sentinel with real processes: a primary, a replica and three Sentinels
(``ocr_dev.sentinel``), the API and a worker given only the Sentinels' URL. The primary is
killed (SIGKILL) while documents are queued and running; the Sentinels promote the replica,
and every document the API answered 202 ends SUCCESS with each page once."""

from __future__ import annotations

import os
import signal
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ocr_dev.cluster import wait_all
from ocr_dev.sentinel import SentinelCluster
from ocr_dev.service import Service
from ocr_dev.workload import document, result_problems, workload
from ocr_inference.config import Settings
from ocr_inference.local.launcher import free_port, start_process, wait_ready
from ocr_inference.local.processes import stop_all
from ocr_inference.tasks.connection import redis_connection, replicated
from ocr_inference.tasks.keys import key

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SETTINGS = {"OCR_PAGES_PER_TASK": "2", "OCR_TASK_TIME_LIMIT_S": "20", "OCR_DEVICE": "cpu"}


@contextmanager
def service_on(sentinels: SentinelCluster, work_dir: Path, **env: str) -> Iterator[Service]:
    """The API and one worker (two processes), given ``REDIS_URL`` naming the Sentinels."""
    port = free_port()
    environ = {**os.environ, **SETTINGS, "REDIS_URL": sentinels.url, "OCR_PORT": str(port)}
    environ.update(env)
    base_url = f"http://127.0.0.1:{port}"
    api = start_process(["serve"], environ, work_dir / "api.log")
    worker = start_process(["worker", "--concurrency", "2"], environ, work_dir / "worker.log")
    try:
        wait_ready(base_url, [api, worker], work_dir)
        yield Service(base_url, "", worker, work_dir)
    finally:
        stop_all([api, worker])


def test_every_accepted_document_survives_a_failover(tmp_path: Path) -> None:
    with SentinelCluster(tmp_path / "redis") as sentinels, service_on(sentinels, tmp_path) as svc:
        tasks, latencies = {}, []
        for pages, first in workload(10, max_pages=4, seed=5):
            started = time.perf_counter()
            tasks[svc.submit(document(pages, first))] = (pages, first)
            latencies.append(time.perf_counter() - started)
        deadline = time.monotonic() + 60
        while not any(svc.status(t)["status"] == "STARTED" for t in tasks):
            assert time.monotonic() < deadline, "no document started"
            time.sleep(0.1)
        states = [svc.status(t)["status"] for t in tasks]
        assert "PENDING" in states, states  # some still queued when the primary dies

        old = sentinels.kill_primary()
        failover_s = sentinels.wait_failover(old)
        ended = wait_all(svc, tasks, timeout_s=180)
        problems = {t: p for t, b in ended.items() if (p := result_problems(b, *tasks[t]))}
        logs = "\n".join(p.read_text()[-3000:] for p in tmp_path.glob("*.log"))
        assert not problems, f"{problems}\n{logs}"

        primary = sentinels.primary()
        attempts = {t: int(primary.get(key("attempts", t)) or 0) for t in tasks}
        redelivered = {t: n for t, n in attempts.items() if n > 1}
        print(
            f"\nstates at the kill: {states}; failover {failover_s:.1f} s; "
            f"submit latency median {statistics.median(latencies) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms; re-delivered: {redelivered or 'none'}"
        )

        # no replica is left: a submission waits OCR_SENTINEL_WAIT_MS, then 503
        response = httpx.post(
            f"{svc.base_url}/api/v1/ocr/process", files={"file": ("a.tiff", document(1))}
        )
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "unavailable"
        assert int(response.headers["Retry-After"]) > 0


def test_wait_covers_writes_made_on_another_connection(tmp_path: Path) -> None:
    """WAIT counts a connection's own writes; ``replicated`` must cover the pool's others."""
    with SentinelCluster(tmp_path) as sentinels:
        settings = Settings(redis_url=sentinels.url, sentinel_wait_ms=300)
        client = redis_connection(settings)
        samples = []
        for _ in range(200):
            client.set("w", "x")
            started = time.perf_counter()
            assert replicated(client, settings)
            samples.append(time.perf_counter() - started)
        print(
            f"\nWAIT 1 after a write: median {statistics.median(samples) * 1e6:.0f} µs, "
            f"p99 {sorted(samples)[197] * 1e6:.0f} µs (200 samples)"
        )
        replica = next(
            p for port, p in sentinels.servers.items() if port != sentinels.primary_port()
        )
        replica.send_signal(signal.SIGSTOP)
        try:
            other = redis_connection(settings)  # its own connection: the write is not its
            client.set("w", "y")
            assert not replicated(other, settings)
        finally:
            replica.send_signal(signal.SIGCONT)


def test_a_primary_no_sentinel_monitors_answers_503_naming_it(tmp_path: Path) -> None:
    with SentinelCluster(tmp_path / "redis") as sentinels:
        port = free_port()
        environ = {
            **os.environ,
            **SETTINGS,
            "REDIS_URL": sentinels.url,
            "OCR_SENTINEL_MASTER": "nosuchprimary",
            "OCR_PORT": str(port),
        }
        api = start_process(["serve"], environ, tmp_path / "api.log")
        try:
            response = _first_answer(f"http://127.0.0.1:{port}/api/v1/ocr/results/x")
        finally:
            stop_all([api])
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "unavailable"
        assert "nosuchprimary" in response.json()["detail"]
        assert int(response.headers["Retry-After"]) > 0


def _first_answer(url: str, timeout_s: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=10)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the API did not answer in {timeout_s} s")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_documents_survive_two_failovers_and_the_old_primary_rejoins(tmp_path: Path) -> None:
    """Kill the primary mid-run, start it again (the Sentinels make it a replica of the new
    primary), submit more, then kill the new primary: every 202 ends SUCCESS."""
    with SentinelCluster(tmp_path / "redis") as sentinels, service_on(sentinels, tmp_path) as svc:
        tasks: dict[str, tuple[int, int]] = {}
        failovers = []
        for round_, seed in enumerate((11, 12)):
            for pages, first in workload(15, max_pages=5, seed=seed):
                tasks[svc.submit(document(pages, first))] = (pages, first)
            time.sleep(3 + round_)  # some done, some running, most queued
            old = sentinels.kill_primary()
            killed = time.monotonic()
            failovers.append(sentinels.wait_failover(old))
            sentinels.start_server(old)  # comes back as a replica of the new primary
            sentinels.wait_ready(timeout_s=60)
        ended = wait_all(svc, tasks, timeout_s=600)
        problems = {t: p for t, b in ended.items() if (p := result_problems(b, *tasks[t]))}
        assert not problems, problems
        # a message whose acknowledgement was lost with the primary comes back after the
        # visibility timeout (OCR_TASK_TIME_LIMIT_S + 60 s): wait it out, then look again
        time.sleep(max(0.0, killed + 20 + 60 + 15 - time.monotonic()))
        again = {t: svc.status(t) for t in tasks}
        problems = {t: p for t, b in again.items() if (p := result_problems(b, *tasks[t]))}
        assert not problems, problems
        primary = sentinels.primary()
        attempts = {t: int(primary.get(key("attempts", t)) or 0) for t in tasks}
        redelivered = {t: n for t, n in attempts.items() if n > 1}
        print(
            f"\n{len(tasks)} documents, failovers {[round(s, 1) for s in failovers]} s; "
            f"re-delivered: {redelivered or 'none'}"
        )
