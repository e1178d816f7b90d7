"""Fault 3: the Redis-compatible server killed and started again mid-run, and the API
process killed during uploads. With AOF on, queued and finished tasks survive the server's
restart; while it is down the API answers 503 with Retry-After and recovers by itself.
Every 202 the API gave has a task that exists and ends SUCCESS."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from ocr_dev.cluster import Cluster, wait_all
from ocr_dev.workload import document, result_problems, workload

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

SETTINGS = {"OCR_PAGES_PER_TASK": "2", "OCR_TASK_TIME_LIMIT_S": "20"}  # visibility 80 s


def test_tasks_survive_a_redis_restart(tmp_path: Path) -> None:
    with Cluster(tmp_path, SETTINGS) as cluster:
        service = cluster.service
        tasks = {
            service.submit(document(pages, first)): (pages, first)
            for pages, first in workload(16, max_pages=3, seed=3)
        }
        finished = {}
        while len(finished) < 3:
            finished = {t: b for t in tasks if (b := service.status(t))["status"] == "SUCCESS"}
            time.sleep(0.2)

        cluster.kill_redis()
        upload = httpx.post(
            f"{cluster.base_url}/api/v1/ocr/process",
            files={"file": ("a.tiff", document(1))},
            timeout=30,
        )
        read = httpx.get(f"{cluster.base_url}/api/v1/ocr/results/{next(iter(tasks))}", timeout=30)
        health = httpx.get(f"{cluster.base_url}/health", timeout=30)
        for response in (upload, read, health):
            assert response.status_code == 503, response.text
            assert int(response.headers["Retry-After"]) > 0
        assert upload.json()["code"] == read.json()["code"] == "unavailable"

        cluster.redis.start()
        cluster.wait_api(timeout_s=30)
        for task_id, body in finished.items():
            now = service.status(task_id)  # the queue count moves on; the rest is kept
            assert {**now, "pending_tasks": None} == {**body, "pending_tasks": None}
        ended = wait_all(service, tasks, timeout_s=600)
        problems = {t: p for t, b in ended.items() if (p := result_problems(b, *tasks[t]))}
        assert not problems, f"{problems}\n{cluster.logs()}"
        after = service.wait(service.submit(document(2)))
        assert not result_problems(after, 2, 0)


def test_every_accepted_upload_survives_an_api_restart(tmp_path: Path) -> None:
    with Cluster(tmp_path, SETTINGS) as cluster:
        accepted: list[str] = []
        refused: list[str] = []
        stop = threading.Event()

        def upload() -> None:
            data = document(1)
            while not stop.is_set():
                try:
                    response = httpx.post(
                        f"{cluster.base_url}/api/v1/ocr/process",
                        files={"file": ("a.tiff", data)},
                        timeout=10,
                    )
                except httpx.HTTPError as exc:
                    refused.append(type(exc).__name__)
                    time.sleep(0.05)
                    continue
                if response.status_code == 202:
                    accepted.append(response.json()["task_id"])
                else:
                    refused.append(str(response.status_code))
                time.sleep(0.3)

        clients = [threading.Thread(target=upload) for _ in range(3)]
        for client in clients:
            client.start()
        try:
            time.sleep(3)
            assert cluster.api is not None
            cluster.kill(cluster.api)
            before_restart = len(accepted)
            cluster.start_api()
            cluster.wait_api()
            time.sleep(3)
        finally:
            stop.set()
            for client in clients:
                client.join()
        assert before_restart > 0 and len(accepted) > before_restart and refused
        assert all(reason not in {"500", "502"} for reason in refused), refused
        ended = wait_all(cluster.service, accepted, timeout_s=600)
        problems = {t: p for t, b in ended.items() if (p := result_problems(b, 1, 0))}
        assert not problems, f"{problems}\n{cluster.logs()}"
